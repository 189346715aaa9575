package io.easyremote.gateway.internal.tls;

import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.DecoderException;
import io.netty.handler.ssl.NotSslRecordException;
import io.netty.handler.ssl.SslClientHelloHandler;
import io.netty.handler.ssl.SslHandler;
import javax.net.ssl.SSLException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * On a TLS-only gateway, a connection that does not speak TLS (a plaintext client, a port scan)
 * is closed with one log line instead of the framework's multi-line stack trace per attempt.
 * Installed right after the connection's {@link SslHandler}; stateless and shared.
 */
@ChannelHandler.Sharable
public final class TlsRefusals extends ChannelInboundHandlerAdapter {
  private static final Logger log = LoggerFactory.getLogger(TlsRefusals.class);

  /**
   * Adds this handler after the pipeline's TLS handler, if it has one: the {@link SslHandler}, or
   * the SNI handler that replaces itself with one once it has read the client's hello.
   */
  public void installOn(ChannelPipeline pipeline) {
    for (java.util.Map.Entry<String, ChannelHandler> entry : pipeline) {
      if (entry.getValue() instanceof SslHandler || entry.getValue() instanceof SslClientHelloHandler) {
        pipeline.addAfter(entry.getKey(), "easyremote-tls-refusals", this);
        return;
      }
    }
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    Throwable root = cause instanceof DecoderException && cause.getCause() != null ? cause.getCause() : cause;
    if (root instanceof NotSslRecordException || root instanceof SSLException) {
      String what = root instanceof NotSslRecordException ? "did not speak TLS (a plaintext client?)" : "failed TLS: " + root.getMessage();
      log.warn("Closed a connection from {} that {}", ctx.channel().remoteAddress(), what);
      ctx.close();
      return;
    }
    ctx.fireExceptionCaught(cause);
  }
}
