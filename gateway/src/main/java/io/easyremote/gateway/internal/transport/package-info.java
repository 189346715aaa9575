/** The gateway server's Netty plumbing: acceptor event loops that stop at once. */
package io.easyremote.gateway.internal.transport;
