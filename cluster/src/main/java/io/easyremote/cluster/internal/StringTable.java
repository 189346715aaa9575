package io.easyremote.cluster.internal;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** The strings one message's nodes refer to by index (each once), and roughly how many bytes they take. */
final class StringTable {
  private final Map<String, Integer> index = new HashMap<>();
  private final List<String> strings = new ArrayList<>();
  private int bytes;

  int indexOf(String s) {
    Integer i = index.get(s);
    if (i == null) {
      i = strings.size();
      index.put(s, i);
      strings.add(s);
      bytes += s.getBytes(StandardCharsets.UTF_8).length + 3;
    }
    return i;
  }

  List<String> strings() {
    return strings;
  }

  int bytes() {
    return bytes;
  }
}
