package io.easyremote.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.EnumSet;
import java.util.Set;

/**
 * A secret (node token or client key) from one of three places, in this order: the option itself
 * (visible to every user of the machine in {@code ps} and {@code /proc}, so it is warned about),
 * a file named by the {@code -file} option, or an environment variable.
 */
final class Secrets {
  private static final long MAX_FILE_BYTES = 4096;
  private static final Set<PosixFilePermission> SHARED = EnumSet.of(PosixFilePermission.GROUP_READ, PosixFilePermission.OTHERS_READ);

  /** The names a secret goes by on the command line: {@code --token}, {@code --token-file}, {@code EASYREMOTE_TOKEN}. */
  record Source(String option, String fileOption, String envName) {}

  static final Source NODE_TOKEN = new Source("--token", "--token-file", "EASYREMOTE_TOKEN");
  static final Source CLIENT_KEY = new Source("--key", "--key-file", "EASYREMOTE_KEY");

  private Secrets() {}

  /**
   * The secret, or null when none of the three is given.
   *
   * @param inline the option's value, or null
   * @param file the file option's value, or null
   * @param envValue the environment variable's value, or null
   * @param err where warnings go
   * @throws IllegalArgumentException when both options are given, or the file cannot be read or holds no single secret
   */
  static String resolve(Source source, String inline, Path file, String envValue, PrintWriter err) {
    if (inline != null && file != null) {
      throw new IllegalArgumentException("give either " + source.option() + " or " + source.fileOption() + ", not both");
    }
    if (inline != null) {
      err.println("warning: " + source.option() + " puts the secret on the command line, where other users of this machine can "
          + "read it (ps, /proc); use " + source.fileOption() + " FILE or the " + source.envName() + " environment variable instead.");
      return inline;
    }
    if (file != null) {
      return read(source, file, err);
    }
    return envValue == null || envValue.isBlank() ? null : envValue.strip();
  }

  private static String read(Source source, Path file, PrintWriter err) {
    String text;
    try {
      if (Files.size(file) > MAX_FILE_BYTES) {
        throw new IllegalArgumentException(source.fileOption() + " " + file + " is larger than " + MAX_FILE_BYTES
            + " bytes; it should hold only the secret");
      }
      text = Files.readString(file).strip();
    } catch (IOException e) {
      throw new IllegalArgumentException("cannot read " + source.fileOption() + " " + file + ": " + e, e);
    }
    if (text.isEmpty()) {
      throw new IllegalArgumentException(source.fileOption() + " " + file + " is empty");
    }
    if (text.chars().anyMatch(Character::isWhitespace)) {
      throw new IllegalArgumentException(source.fileOption() + " " + file + " must hold only the secret, on one line");
    }
    try {
      Set<PosixFilePermission> permissions = Files.getPosixFilePermissions(file);
      if (permissions.stream().anyMatch(SHARED::contains)) {
        err.println("warning: " + file + " is readable by other users of this machine; chmod 600 " + file);
      }
    } catch (UnsupportedOperationException | IOException e) {
      // not a POSIX file system: nothing to check
    }
    return text;
  }
}
