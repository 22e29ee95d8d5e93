package dev.kproxy.jvmagent.transform;

import org.objectweb.asm.MethodVisitor;
import org.objectweb.asm.Opcodes;

/** The ways a hooked method hands the app the cluster address instead of the loopback listener it connected to. */
final class Exits {
    private static final String PEER = "(" + HookCode.SOCKET_ADDRESS + ")" + HookCode.SOCKET_ADDRESS;

    private Exits() {
    }

    /** {@code this.field = (T) hooks.peer(this.field)}: the channel's own remote-address field. */
    static HookCode.Exit field(String owner, String field, String descriptor) {
        return new HookCode.Exit() {
            @Override
            void emit(MethodVisitor mv, String hooks, int returnOpcode, int firstArg) {
                mv.visitVarInsn(Opcodes.ALOAD, 0);
                mv.visitVarInsn(Opcodes.ALOAD, 0);
                mv.visitFieldInsn(Opcodes.GETFIELD, owner, field, descriptor);
                mv.visitMethodInsn(Opcodes.INVOKESTATIC, hooks, "peer", PEER, false);
                mv.visitTypeInsn(Opcodes.CHECKCAST, descriptor.substring(1, descriptor.length() - 1));
                mv.visitFieldInsn(Opcodes.PUTFIELD, owner, field, descriptor);
            }
        };
    }

    /**
     * {@code SocketImpl.address} and {@code .port}: both computed from the old pair before either
     * is written (stack only: {@code this, port', this, address'}).
     */
    static HookCode.Exit socketImpl() {
        return new HookCode.Exit() {
            @Override
            void emit(MethodVisitor mv, String hooks, int returnOpcode, int firstArg) {
                String impl = "java/net/SocketImpl";
                String inet = "Ljava/net/InetAddress;";
                mv.visitVarInsn(Opcodes.ALOAD, 0);
                oldPair(mv, impl, inet);
                mv.visitMethodInsn(Opcodes.INVOKESTATIC, hooks, "peerPort", "(" + inet + "I)I", false);
                oldPair(mv, impl, inet);
                mv.visitMethodInsn(Opcodes.INVOKESTATIC, hooks, "peerAddress", "(" + inet + "I)" + inet, false);
                mv.visitVarInsn(Opcodes.ALOAD, 0);
                mv.visitInsn(Opcodes.SWAP);
                mv.visitFieldInsn(Opcodes.PUTFIELD, impl, "address", inet);
                mv.visitFieldInsn(Opcodes.PUTFIELD, impl, "port", "I");
            }

            private void oldPair(MethodVisitor mv, String impl, String inet) {
                mv.visitVarInsn(Opcodes.ALOAD, 0);
                mv.visitFieldInsn(Opcodes.GETFIELD, impl, "address", inet);
                mv.visitVarInsn(Opcodes.ALOAD, 0);
                mv.visitFieldInsn(Opcodes.GETFIELD, impl, "port", "I");
            }
        };
    }

    /** The returned peer address (on the stack) passes through {@code hooks.peer}. */
    static HookCode.Exit returnedPeer(String returnType) {
        return new HookCode.Exit() {
            @Override
            void emit(MethodVisitor mv, String hooks, int returnOpcode, int firstArg) {
                mv.visitMethodInsn(Opcodes.INVOKESTATIC, hooks, "peer", PEER, false);
                mv.visitTypeInsn(Opcodes.CHECKCAST, returnType);
            }
        };
    }

    /** The returned value passes through {@code hooks.method(value, firstArgument)}. */
    static HookCode.Exit returnedWithFirstArg(String method, String descriptor) {
        return new HookCode.Exit() {
            @Override
            void emit(MethodVisitor mv, String hooks, int returnOpcode, int firstArg) {
                mv.visitVarInsn(Opcodes.ALOAD, firstArg);
                mv.visitMethodInsn(Opcodes.INVOKESTATIC, hooks, method, descriptor, false);
            }
        };
    }
}
