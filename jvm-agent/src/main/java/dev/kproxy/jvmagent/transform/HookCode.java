package dev.kproxy.jvmagent.transform;

import org.objectweb.asm.MethodVisitor;
import org.objectweb.asm.Opcodes;

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

    HookCode(MethodVisitor next, boolean isStatic, String hooks, boolean route, Exit exit) {
        super(Opcodes.ASM9, next);
        this.hooks = hooks;
        this.route = route;
        this.exit = exit;
        this.firstArg = isStatic ? 0 : 1;
    }

    @Override
    public void visitCode() {
        super.visitCode();
        if (route) {
            super.visitVarInsn(Opcodes.ALOAD, firstArg);
            super.visitMethodInsn(Opcodes.INVOKESTATIC, hooks, "route", "(" + SOCKET_ADDRESS + ")" + SOCKET_ADDRESS, false);
            super.visitVarInsn(Opcodes.ASTORE, firstArg);
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
