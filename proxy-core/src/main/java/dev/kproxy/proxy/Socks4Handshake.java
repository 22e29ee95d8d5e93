package dev.kproxy.proxy;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.netty.util.NetUtil;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Server side of SOCKS4 and SOCKS4a (openssh.com/txt/socks4.protocol, socks4a.protocol):
 * {@code VN=4 CD DSTPORT DSTIP USERID\0} and, when DSTIP is 0.0.0.x (x != 0), {@code HOSTNAME\0}.
 * The user id is ignored; with credentials configured SOCKS4 is refused because it cannot
 * authenticate. Reply: {@code VN=0 CD=0x5A|0x5B} plus six ignored bytes.
 */
final class Socks4Handshake extends ByteToMessageDecoder {

    private static final Logger log = LoggerFactory.getLogger(Socks4Handshake.class);

    private static final int CMD_CONNECT = 0x01;
    private static final int GRANTED = 0x5A;
    private static final int REJECTED = 0x5B;
    /** Longest user id or host name we wait for before calling the request malformed. */
    private static final int MAX_FIELD = 255;

    private final boolean authRequired;
    private final UpstreamConnector connector;
    private boolean done;

    Socks4Handshake(boolean authRequired, UpstreamConnector connector) {
        this.authRequired = authRequired;
        this.connector = connector;
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        if (done || in.readableBytes() < 8) {
            return;
        }
        int start = in.readerIndex();
        int command = in.getUnsignedByte(start + 1);
        if (authRequired) {
            log.debug("socks4 {}: refused, the proxy requires a username and password (use SOCKS5 or HTTP)", ctx.channel());
            reject(ctx);
            return;
        }
        int userEnd = in.indexOf(start + 8, in.writerIndex(), (byte) 0);
        if (userEnd < 0) {
            if (in.readableBytes() > 8 + MAX_FIELD) {
                reject(ctx);
            }
            return;
        }
        int port = in.getUnsignedShort(start + 2);
        byte[] ip = new byte[4];
        in.getBytes(start + 4, ip);
        boolean socks4a = ip[0] == 0 && ip[1] == 0 && ip[2] == 0 && ip[3] != 0;
        String host;
        int end;
        if (socks4a) {
            int hostEnd = in.indexOf(userEnd + 1, in.writerIndex(), (byte) 0);
            if (hostEnd < 0) {
                if (in.writerIndex() - userEnd - 1 > MAX_FIELD) {
                    reject(ctx);
                }
                return;
            }
            host = in.toString(userEnd + 1, hostEnd - userEnd - 1, StandardCharsets.US_ASCII);
            end = hostEnd + 1;
        } else {
            host = NetUtil.bytesToIpAddress(ip);
            end = userEnd + 1;
        }
        in.readerIndex(end);
        if (command != CMD_CONNECT || host.isEmpty()) {
            log.debug("socks4 {}: unsupported command 0x{} or empty host", ctx.channel(), Integer.toHexString(command));
            reject(ctx);
            return;
        }
        connect(ctx, new Destination(host, port, socks4a ? ProxyProtocol.SOCKS4A : ProxyProtocol.SOCKS4));
    }

    private void connect(ChannelHandlerContext ctx, Destination destination) {
        done = true;
        connector.connectThenRelay(ctx, destination, upstream -> reply(ctx, GRANTED), failure -> reject(ctx));
    }

    private void reject(ChannelHandlerContext ctx) {
        done = true;
        ctx.writeAndFlush(reply(ctx, REJECTED));
        ChannelClosing.closeAfterFlush(ctx.channel());
    }

    private static ByteBuf reply(ChannelHandlerContext ctx, int code) {
        return ctx.alloc().buffer(8).writeByte(0x00).writeByte(code).writeShort(0).writeInt(0);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        log.debug("socks4 {}: {}", ctx.channel(), cause.toString());
        ctx.close();
    }
}
