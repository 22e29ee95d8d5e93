package dev.kproxy.jvmagent.transform;

import org.objectweb.asm.Type;

/** The ways a hooked method hands the app the cluster address instead of the loopback listener it connected to. */
final class Exits {
    private static final Type INET_ADDRESS = Type.getType("Ljava/net/InetAddress;");
    private static final Type SOCKET_IMPL = Type.getObjectType("java/net/SocketImpl");

    private Exits() {
    }

    /** {@code this.field = Hooks.peer(this.field, original)}: the channel's own remote-address field. */
    static HookAdvice.Exit field(String owner, String field, String descriptor) {
        Type ownerType = Type.getObjectType(owner);
        Type type = Type.getType(descriptor);
        return new HookAdvice.Exit() {
            @Override
            void emit(HookAdvice a, int opcode, int original) {
            a.loadThis();
            a.loadThis();
            a.getField(ownerType, field, type);
            a.loadLocal(original);
            a.callHook("java.net.SocketAddress peer(java.net.SocketAddress, java.net.SocketAddress)");
            a.checkCast(type);
            a.putField(ownerType, field, type);
            }
        };
    }

    /** Like {@link #field}, without an original: the listener's cluster address (asynchronous channels). */
    static HookAdvice.Exit listenerField(String owner, String field) {
        Type ownerType = Type.getObjectType(owner);
        Type type = Type.getType("Ljava/net/InetSocketAddress;");
        return new HookAdvice.Exit() {
            @Override
            void emit(HookAdvice a, int opcode, int original) {
            a.loadThis();
            a.loadThis();
            a.getField(ownerType, field, type);
            a.callHook("java.net.InetSocketAddress peerOfListener(java.net.InetSocketAddress)");
            a.putField(ownerType, field, type);
            }
        };
    }

    /** {@code SocketImpl.address} and {@code .port}: both from one {@code Hooks.peerOfSocketImpl} answer. */
    static HookAdvice.Exit socketImpl() {
        return new HookAdvice.Exit() {
            @Override
            void emit(HookAdvice a, int opcode, int original) {
            a.loadThis();
            a.getField(SOCKET_IMPL, "address", INET_ADDRESS);
            a.loadThis();
            a.getField(SOCKET_IMPL, "port", Type.INT_TYPE);
            a.loadLocal(original);
            a.callHook("java.net.SocketAddress peerOfSocketImpl(java.net.InetAddress, int, java.net.SocketAddress)");
            // The original is not needed past this point: its slot holds the answer (a new local here
            // would be typed in every later frame, exception handlers included, and fail verification).
            int peer = original;
            a.storeLocal(peer);
            a.loadThis();
            a.loadLocal(peer);
            a.loadThis();
            a.getField(SOCKET_IMPL, "address", INET_ADDRESS);
            a.callHook("java.net.InetAddress addressOf(java.net.SocketAddress, java.net.InetAddress)");
            a.putField(SOCKET_IMPL, "address", INET_ADDRESS);
            a.loadThis();
            a.loadLocal(peer);
            a.loadThis();
            a.getField(SOCKET_IMPL, "port", Type.INT_TYPE);
            a.callHook("int portOf(java.net.SocketAddress, int)");
            a.putField(SOCKET_IMPL, "port", Type.INT_TYPE);
            }
        };
    }

    /** The method's return value (on the stack) passes through a hook taking it and the first argument. */
    static HookAdvice.Exit returnValue(String signature, boolean withFirstArg) {
        return new HookAdvice.Exit() {
            @Override
            void emit(HookAdvice a, int opcode, int original) {
            if (opcode == ARETURN_OPCODE) {
                if (withFirstArg) {
                    a.loadArg(0);
                }
                a.callHook(signature);
            }
            }
        };
    }

    private static final int ARETURN_OPCODE = org.objectweb.asm.Opcodes.ARETURN;
}
