/**
 * Testing support: {@link io.easyremote.testing.TestCluster}, a JUnit 5 extension that runs a
 * real gateway and real nodes on loopback, and {@link io.easyremote.testing.TcpProxy} for
 * cutting connections on purpose.
 */
package io.easyremote.testing;
