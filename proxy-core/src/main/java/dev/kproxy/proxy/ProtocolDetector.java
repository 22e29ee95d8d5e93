package dev.kproxy.proxy;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.netty.handler.codec.http.HttpServerCodec;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Picks the protocol from the client's first byte (0x05 SOCKS5, 0x04 SOCKS4/4a, an ASCII letter
 * for an HTTP method) and replaces itself with that protocol's handler; the byte and anything
 * after it are passed on untouched. Anything else is closed without a reply: we cannot know
 * which protocol's error the client would understand.
 */
final class ProtocolDetector extends ByteToMessageDecoder {

    private static final Logger log = LoggerFactory.getLogger(ProtocolDetector.class);

    private final Optional<ProxyCredentials> credentials;
    private final UpstreamConnector connector;

    ProtocolDetector(Optional<ProxyCredentials> credentials, UpstreamConnector connector) {
        this.credentials = credentials;
        this.connector = connector;
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        if (!in.isReadable()) {
            return;
        }
        int first = in.getUnsignedByte(in.readerIndex());
        ChannelPipeline pipeline = ctx.pipeline();
        if (first == 0x05) {
            pipeline.addAfter(ctx.name(), "socks5", new Socks5Handshake(credentials, connector));
        } else if (first == 0x04) {
            pipeline.addAfter(ctx.name(), "socks4", new Socks4Handshake(credentials.isPresent(), connector));
        } else if ((first >= 'A' && first <= 'Z') || (first >= 'a' && first <= 'z')) {
            pipeline.addAfter(ctx.name(), "http-proxy", new HttpProxyHandler(credentials, connector));
            pipeline.addAfter(ctx.name(), "http-codec", new HttpServerCodec());
        } else {
            log.debug("{}: first byte 0x{} is not SOCKS4, SOCKS5 or HTTP; closing", ctx.channel(), Integer.toHexString(first));
            in.skipBytes(in.readableBytes());
            ctx.close();
            return;
        }
        // ByteToMessageDecoder hands the unread bytes to the new handler when this one is removed.
        pipeline.remove(this);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        log.debug("{}: {}", ctx.channel(), cause.toString());
        ctx.close();
    }
}
