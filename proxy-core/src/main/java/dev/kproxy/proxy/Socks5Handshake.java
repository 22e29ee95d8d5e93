package dev.kproxy.proxy;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.netty.util.NetUtil;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Server side of SOCKS5 (RFC 1928) with optional username/password (RFC 1929). Only CONNECT is
 * supported. Each stage waits until its whole message has arrived, so any split of the bytes
 * works; bad input gets the reply code the RFC names and the connection is closed.
 */
final class Socks5Handshake extends ByteToMessageDecoder {

    private static final Logger log = LoggerFactory.getLogger(Socks5Handshake.class);

    private static final int VERSION = 0x05;
    private static final int METHOD_NO_AUTH = 0x00;
    private static final int METHOD_USER_PASS = 0x02;
    private static final int METHOD_NONE_ACCEPTABLE = 0xFF;
    private static final int AUTH_VERSION = 0x01;
    private static final int CMD_CONNECT = 0x01;
    private static final int ATYP_IPV4 = 0x01;
    private static final int ATYP_DOMAIN = 0x03;
    private static final int ATYP_IPV6 = 0x04;
    private static final int REPLY_SUCCEEDED = 0x00;
    private static final int REPLY_GENERAL_FAILURE = 0x01;
    private static final int REPLY_COMMAND_NOT_SUPPORTED = 0x07;
    private static final int REPLY_ADDRESS_TYPE_NOT_SUPPORTED = 0x08;

    private enum Stage { GREETING, AUTH, REQUEST, CONNECTING, FINISHED }

    private final Optional<ProxyCredentials> credentials;
    private final UpstreamConnector connector;
    private Stage stage = Stage.GREETING;

    Socks5Handshake(Optional<ProxyCredentials> credentials, UpstreamConnector connector) {
        this.credentials = credentials;
        this.connector = connector;
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        switch (stage) {
            case GREETING -> readGreeting(ctx, in);
            case AUTH -> readAuth(ctx, in);
            case REQUEST -> readRequest(ctx, in);
            case CONNECTING, FINISHED -> {
                // Bytes after the request wait here (autoRead is off) until the relay takes them.
            }
        }
    }

    private void readGreeting(ChannelHandlerContext ctx, ByteBuf in) {
        if (in.readableBytes() < 2) {
            return;
        }
        int start = in.readerIndex();
        int methodCount = in.getUnsignedByte(start + 1);
        if (in.readableBytes() < 2 + methodCount) {
            return;
        }
        in.skipBytes(2);
        boolean offersNoAuth = false;
        boolean offersUserPass = false;
        for (int i = 0; i < methodCount; i++) {
            int method = in.readUnsignedByte();
            offersNoAuth |= method == METHOD_NO_AUTH;
            offersUserPass |= method == METHOD_USER_PASS;
        }
        boolean needsAuth = credentials.isPresent();
        if (needsAuth ? offersUserPass : offersNoAuth) {
            int method = needsAuth ? METHOD_USER_PASS : METHOD_NO_AUTH;
            ctx.writeAndFlush(ctx.alloc().buffer(2).writeByte(VERSION).writeByte(method));
            stage = needsAuth ? Stage.AUTH : Stage.REQUEST;
        } else {
            log.debug("socks5 {}: no acceptable method (auth required: {})", ctx.channel(), needsAuth);
            finish(ctx, ctx.alloc().buffer(2).writeByte(VERSION).writeByte(METHOD_NONE_ACCEPTABLE));
        }
    }

    /** RFC 1929 section 2: VER=1, ULEN, UNAME, PLEN, PASSWD; reply VER, STATUS (0 = success). */
    private void readAuth(ChannelHandlerContext ctx, ByteBuf in) {
        int start = in.readerIndex();
        if (in.readableBytes() < 2) {
            return;
        }
        if (in.getUnsignedByte(start) != AUTH_VERSION) {
            finish(ctx, ctx.alloc().buffer(2).writeByte(AUTH_VERSION).writeByte(0x01));
            return;
        }
        int userLength = in.getUnsignedByte(start + 1);
        if (in.readableBytes() < 3 + userLength) {
            return;
        }
        int passLength = in.getUnsignedByte(start + 2 + userLength);
        if (in.readableBytes() < 3 + userLength + passLength) {
            return;
        }
        String user = in.toString(start + 2, userLength, StandardCharsets.UTF_8);
        String pass = in.toString(start + 3 + userLength, passLength, StandardCharsets.UTF_8);
        in.skipBytes(3 + userLength + passLength);
        if (credentials.orElseThrow().matches(user, pass)) {
            ctx.writeAndFlush(ctx.alloc().buffer(2).writeByte(AUTH_VERSION).writeByte(0x00));
            stage = Stage.REQUEST;
        } else {
            log.debug("socks5 {}: wrong username or password for user {}", ctx.channel(), user);
            finish(ctx, ctx.alloc().buffer(2).writeByte(AUTH_VERSION).writeByte(0x01));
        }
    }

    /** RFC 1928 section 4: VER, CMD, RSV, ATYP, DST.ADDR, DST.PORT. */
    private void readRequest(ChannelHandlerContext ctx, ByteBuf in) {
        int start = in.readerIndex();
        if (in.readableBytes() < 4) {
            return;
        }
        if (in.getUnsignedByte(start) != VERSION) {
            finish(ctx, reply(ctx, REPLY_GENERAL_FAILURE, null));
            return;
        }
        int command = in.getUnsignedByte(start + 1);
        int addressType = in.getUnsignedByte(start + 3);
        int addressLength;
        switch (addressType) {
            case ATYP_IPV4 -> addressLength = 4;
            case ATYP_IPV6 -> addressLength = 16;
            case ATYP_DOMAIN -> {
                if (in.readableBytes() < 5) {
                    return;
                }
                addressLength = 1 + in.getUnsignedByte(start + 4);
            }
            default -> {
                finish(ctx, reply(ctx, REPLY_ADDRESS_TYPE_NOT_SUPPORTED, null));
                return;
            }
        }
        if (in.readableBytes() < 4 + addressLength + 2) {
            return;
        }
        in.skipBytes(4);
        String host = readHost(in, addressType, addressLength);
        int port = in.readUnsignedShort();
        if (command != CMD_CONNECT) {
            log.debug("socks5 {}: command 0x{} is not supported", ctx.channel(), Integer.toHexString(command));
            finish(ctx, reply(ctx, REPLY_COMMAND_NOT_SUPPORTED, null));
            return;
        }
        if (host.isEmpty()) {
            finish(ctx, reply(ctx, REPLY_GENERAL_FAILURE, null));
            return;
        }
        connect(ctx, new Destination(host, port, ProxyProtocol.SOCKS5));
    }

    private static String readHost(ByteBuf in, int addressType, int addressLength) {
        if (addressType == ATYP_DOMAIN) {
            in.skipBytes(1);
            return in.readCharSequence(addressLength - 1, StandardCharsets.US_ASCII).toString();
        }
        byte[] address = new byte[addressLength];
        in.readBytes(address);
        return NetUtil.bytesToIpAddress(address);
    }

    private void connect(ChannelHandlerContext ctx, Destination destination) {
        stage = Stage.CONNECTING;
        connector.connectThenRelay(ctx, destination,
                upstream -> reply(ctx, REPLY_SUCCEEDED, upstream.localAddress()),
                failure -> finish(ctx, reply(ctx, failure.kind().socks5Reply(), null)));
    }

    /** VER, REP, RSV, ATYP, BND.ADDR, BND.PORT; the bound address is 0.0.0.0:0 when unknown. */
    private static ByteBuf reply(ChannelHandlerContext ctx, int code, SocketAddress bound) {
        ByteBuf reply = ctx.alloc().buffer(22).writeByte(VERSION).writeByte(code).writeByte(0x00);
        if (bound instanceof InetSocketAddress inet && inet.getAddress() instanceof Inet6Address) {
            reply.writeByte(ATYP_IPV6).writeBytes(inet.getAddress().getAddress()).writeShort(inet.getPort());
        } else if (bound instanceof InetSocketAddress inet && inet.getAddress() instanceof Inet4Address) {
            reply.writeByte(ATYP_IPV4).writeBytes(inet.getAddress().getAddress()).writeShort(inet.getPort());
        } else {
            reply.writeByte(ATYP_IPV4).writeInt(0).writeShort(0);
        }
        return reply;
    }

    private void finish(ChannelHandlerContext ctx, ByteBuf lastReply) {
        stage = Stage.FINISHED;
        ctx.writeAndFlush(lastReply);
        ChannelClosing.closeAfterFlush(ctx.channel());
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        log.debug("socks5 {}: {}", ctx.channel(), cause.toString());
        ctx.close();
    }
}
