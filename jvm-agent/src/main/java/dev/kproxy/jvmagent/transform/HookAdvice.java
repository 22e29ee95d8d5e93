package dev.kproxy.jvmagent.transform;

import org.objectweb.asm.MethodVisitor;
import org.objectweb.asm.Opcodes;
import org.objectweb.asm.Type;
import org.objectweb.asm.commons.AdviceAdapter;
import org.objectweb.asm.commons.Method;

/**
 * Code woven into one hooked method, calling static methods of {@code hooks}: optionally, at entry, its first argument (the destination)
 * goes through {@code Hooks.route} and the original is kept in a new local; at each normal return
 * an {@link Exit} writes the peer address back. Branch-free on purpose, so the class's stack map
 * frames stay valid without recomputing them (which would need to load classes mid-definition).
 */
final class HookAdvice extends AdviceAdapter {
    static final Type SOCKET_ADDRESS = Type.getType("Ljava/net/SocketAddress;");

    /**
     * What happens before each normal return; {@code original} is -1 when the entry did not route.
     * (Classes, not lambdas, here and in {@link Exits}: the agent starts before main, and its
     * first lambda would cost the app's start-up tens of milliseconds of invokedynamic bootstrap.)
     */
    abstract static class Exit {
        static final Exit NONE = new Exit() {
            @Override
            void emit(HookAdvice advice, int opcode, int original) {
            }
        };

        abstract void emit(HookAdvice advice, int opcode, int original);
    }

    private final Type hooks;
    private final boolean route;
    private final Exit exit;
    private int original = -1;

    HookAdvice(MethodVisitor next, int access, String name, String descriptor, String hooks, boolean route, Exit exit) {
        super(Opcodes.ASM9, next, access, name, descriptor);
        this.hooks = Type.getObjectType(hooks);
        this.route = route;
        this.exit = exit;
    }

    @Override
    protected void onMethodEnter() {
        if (!route) {
            return;
        }
        loadArg(0);
        dup();
        original = newLocal(SOCKET_ADDRESS);
        storeLocal(original);
        invokeStatic(hooks, Method.getMethod("java.net.SocketAddress route(java.net.SocketAddress)"));
        storeArg(0);
    }

    @Override
    protected void onMethodExit(int opcode) {
        if (opcode != ATHROW) {
            exit.emit(this, opcode, original);
        }
    }

    void callHook(String signature) {
        invokeStatic(hooks, Method.getMethod(signature));
    }
}
