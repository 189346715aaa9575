package io.easyremote.cluster.nats;

import java.util.List;

/**
 * One user in a test server's authorization block: a name and password, or an nkey (public key),
 * with the subjects it may publish and subscribe to (empty lists: no restriction of that kind).
 *
 * @param user the user name, or null for an nkey user
 * @param password the password, or null for an nkey user
 * @param nkey the user's public nkey ({@code U...}), or null
 * @param publish subjects it may publish on (null or empty: any)
 * @param subscribe subjects it may subscribe to (null or empty: any)
 */
public record NatsUser(String user, String password, String nkey, List<String> publish, List<String> subscribe) {
  /** A user with a password and these permissions. */
  public static NatsUser password(String user, String password, List<String> publish, List<String> subscribe) {
    return new NatsUser(user, password, null, publish, subscribe);
  }

  /** An nkey user with these permissions. */
  public static NatsUser nkey(String publicKey, List<String> publish, List<String> subscribe) {
    return new NatsUser(null, null, publicKey, publish, subscribe);
  }

  /**
   * A gateway's user as docs/cluster.md advises: it may publish only on its own directory subject
   * and ask others for snapshots, forward calls to any gateway, and read the whole directory, the
   * calls forwarded to it and its inbox.
   */
  public static NatsUser gateway(String gatewayId, String password) {
    return password(gatewayId, password,
        List.of("easyremote.dir." + gatewayId, "easyremote.dir.*.sync", "easyremote.fwd.*", "easyremote.rates." + gatewayId, "_INBOX.>"),
        List.of("easyremote.dir.>", "easyremote.fwd." + gatewayId, "easyremote.rates.*", "_INBOX.>"));
  }

  String config() {
    StringBuilder b = new StringBuilder("{");
    if (nkey != null) {
      b.append("nkey: ").append(quote(nkey));
    } else {
      b.append("user: ").append(quote(user)).append(", password: ").append(quote(password));
    }
    boolean pub = publish != null && !publish.isEmpty();
    boolean sub = subscribe != null && !subscribe.isEmpty();
    if (pub || sub) {
      b.append(", permissions: {");
      if (pub) {
        b.append(" publish: ").append(list(publish));
      }
      if (sub) {
        b.append(pub ? "," : "").append(" subscribe: ").append(list(subscribe));
      }
      b.append(" }");
    }
    return b.append('}').toString();
  }

  private static String list(List<String> subjects) {
    StringBuilder b = new StringBuilder("[");
    for (int i = 0; i < subjects.size(); i++) {
      b.append(i == 0 ? "" : ", ").append(quote(subjects.get(i)));
    }
    return b.append(']').toString();
  }

  static String quote(String s) {
    return '"' + s.replace("\\", "\\\\").replace("\"", "\\\"") + '"';
  }
}
