package dev.kproxy.jvmagent.transform;

import org.objectweb.asm.MethodVisitor;
import org.objectweb.asm.Opcodes;
import org.objectweb.asm.Type;

/**
 * Code woven into one hooked method, calling static methods of {@code hooks}: optionally, at
 * entry, the destination argument goes through {@code route}; before each normal return an
 * {@link Exit} writes the peer address back. Straight-line and without new locals on purpose: the
 * class's stack map frames stay valid as they are, so the class is read without expanding them
 * and nothing has to be recomputed (which would need classes loaded mid-definition). The original
 * destination travels from {@code route} to the exit in the hooks' thread-local, not in a local.
 */
final class HookCode extends MethodVisitor {
    static final String SOCKET_ADDRESS = "Ljava/net/SocketAddress;";

    /**
     * What happens before each normal return. Classes, not lambdas, here and in {@link Exits}:
     * the agent runs before main, and its first lambda would cost the app tens of milliseconds
     * of invokedynamic bootstrap.
     */
    abstract static class Exit {
        static final Exit NONE = new Exit() {
            @Override
            void emit(MethodVisitor mv, String hooks, int returnOpcode, int firstArg) {
            }
        };

        abstract void emit(MethodVisitor mv, String hooks, int returnOpcode, int firstArg);
    }

    private final String hooks;
    private final boolean route;
    private final Exit exit;
    private final int firstArg;
    private final int routeSlot;
    private final String routeType;

    /**
     * {@code routeArg}: which parameter (0-based) is the destination; it is passed through
     * {@code route} and, when declared narrower than {@code SocketAddress} (io_uring's
     * {@code InetSocketAddress}), cast back to its declared type.
     */
    HookCode(MethodVisitor next, boolean isStatic, String descriptor, int routeArg, String hooks, boolean route, Exit exit) {
        super(Opcodes.ASM9, next);
        this.hooks = hooks;
        this.route = route;
        this.exit = exit;
        this.firstArg = isStatic ? 0 : 1;
        Type[] params = Type.getArgumentTypes(descriptor);
        int slot = firstArg;
        for (int i = 0; i < routeArg; i++) {
            slot += params[i].getSize();
        }
        this.routeSlot = slot;
        this.routeType = params.length > routeArg ? params[routeArg].getInternalName() : null;
    }

    @Override
    public void visitCode() {
        super.visitCode();
        if (route) {
            super.visitVarInsn(Opcodes.ALOAD, routeSlot);
            super.visitMethodInsn(Opcodes.INVOKESTATIC, hooks, "route", "(" + SOCKET_ADDRESS + ")" + SOCKET_ADDRESS, false);
            if (routeType != null && !routeType.equals("java/net/SocketAddress")) {
                super.visitTypeInsn(Opcodes.CHECKCAST, routeType);
            }
            super.visitVarInsn(Opcodes.ASTORE, routeSlot);
        }
    }

    @Override
    public void visitInsn(int opcode) {
        if (opcode >= Opcodes.IRETURN && opcode <= Opcodes.RETURN) {
            exit.emit(mv, hooks, opcode, firstArg);
        }
        super.visitInsn(opcode);
    }
}
