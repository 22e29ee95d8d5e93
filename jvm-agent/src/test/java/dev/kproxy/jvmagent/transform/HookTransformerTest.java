package dev.kproxy.jvmagent.transform;

import org.junit.jupiter.api.Test;
import org.objectweb.asm.ClassReader;
import org.objectweb.asm.ClassVisitor;
import org.objectweb.asm.ClassWriter;
import org.objectweb.asm.MethodVisitor;
import org.objectweb.asm.Opcodes;

import dev.kproxy.jvmagent.cache.ClassFileCache;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** Weaving a (shaded) Netty socket class: the hook lands where it exists, and a missing hook point is named once. */
class HookTransformerTest {
    @Test
    void aShadedNettySocketIsWovenAndItsMissingHookPointIsNamed() {
        String name = "org/example/shaded/io/netty/channel/unix/Socket";
        PrintStream err = System.err;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        byte[] woven;
        try {
            System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
            woven = new HookTransformer(null, null, ClassFileCache.none()).transform(null, null, name, null, null, socketClassWithConnectOnly(name));
        } finally {
            System.setErr(err);
        }

        assertThat(woven).isNotNull();
        assertThat(calls(woven)).containsExactly("dev/kproxy/jvmagent/hooks/Hooks.route", "java/lang/Object.hashCode");
        assertThat(captured.toString(StandardCharsets.UTF_8)).contains("kproxy agent: hook point " + name.replace('/', '.')
                + ".remoteAddress()Ljava/net/InetSocketAddress; not found in this Netty");
    }

    @Test
    void aCompleteWeavingIsKeptAndLaterStartsTakeItFromTheCache(@TempDir Path home) throws Exception {
        File jar = Files.write(home.resolve("kproxy-agent.jar"), new byte[] {1}).toFile();
        String name = "sun/nio/ch/NioSocketImpl";
        byte[] original = socketImplWithConnect(name);

        byte[] woven = new HookTransformer(null, null, ClassFileCache.in(home.toFile(), jar))
                .transform(null, null, name, null, null, original);
        assertThat(calls(woven)).contains("sun/nio/ch/KproxyHooks.route");
        ClassFileCache later = ClassFileCache.in(home.toFile(), jar);
        assertThat(later.get(name, original)).isEqualTo(woven);

        // What a later start returns is what the cache holds, without weaving again.
        byte[] planted = socketImplWithConnect("sun/nio/ch/Planted");
        later.put(name, original, planted);
        assertThat(new HookTransformer(null, null, ClassFileCache.in(home.toFile(), jar))
                .transform(null, null, name, null, null, original)).isEqualTo(planted);
    }

    @Test
    void aWeavingWithAMissingHookPointIsNotKept(@TempDir Path home) throws Exception {
        File jar = Files.write(home.resolve("kproxy-agent.jar"), new byte[] {1}).toFile();
        // Another shaded copy than the test above: warnings are said once per class and hook point.
        String name = "org/other/shaded/io/netty/channel/unix/Socket";
        byte[] original = socketClassWithConnectOnly(name);
        PrintStream err = System.err;
        try {
            System.setErr(new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8));
            assertThat(new HookTransformer(null, null, ClassFileCache.in(home.toFile(), jar))
                    .transform(null, null, name, null, null, original)).isNotNull();
        } finally {
            System.setErr(err);
        }
        assertThat(ClassFileCache.in(home.toFile(), jar).get(name, original)).isNull();
    }

    @Test
    void ioUringsSockaddrIsRoutedThroughItsThirdParameterAndTheClassStillVerifies() throws Exception {
        String name = "org/example/io/netty/channel/uring/SockaddrIn";
        byte[] woven = new HookTransformer(null, null, ClassFileCache.none()).transform(null, null, name, null, null, sockaddrIn(name));

        assertThat(calls(woven)).containsExactly("dev/kproxy/jvmagent/hooks/Hooks.route", "java/net/InetSocketAddress.getPort");
        // Defined and run: the verifier accepts the cast back to InetSocketAddress, and with no
        // daemon the address passes through unchanged.
        Class<?> defined = new ClassLoader(getClass().getClassLoader()) {
            Class<?> define() {
                return defineClass(name.replace('/', '.'), woven, 0, woven.length);
            }
        }.define();
        var set = defined.getDeclaredMethod("set", boolean.class, java.nio.ByteBuffer.class, java.net.InetSocketAddress.class);
        set.setAccessible(true);
        assertThat(set.invoke(null, false, java.nio.ByteBuffer.allocate(16), new java.net.InetSocketAddress("127.0.0.1", 50100)))
                .isEqualTo(50100);
    }

    @Test
    void otherClassesAreLeftAlone() {
        assertThat(new HookTransformer(null, null, ClassFileCache.none()).transform(null, null, "com/example/Socket", null, null, new byte[] {1, 2, 3})).isNull();
    }

    /** {@code boolean connect(SocketAddress a) { return a.hashCode() > 0; }} and nothing else. */
    private static byte[] socketClassWithConnectOnly(String name) {
        return classWithOneMethod(name, Opcodes.ACC_PUBLIC, Opcodes.ACC_PUBLIC, "connect", "(Ljava/net/SocketAddress;)Z", mv -> {
            mv.visitVarInsn(Opcodes.ALOAD, 1);
            mv.visitMethodInsn(Opcodes.INVOKEVIRTUAL, "java/lang/Object", "hashCode", "()I", false);
            mv.visitInsn(Opcodes.IRETURN);
        });
    }

    /** {@code void connect(SocketAddress a, int t) { a.hashCode(); }}, the shape of the JDK's NioSocketImpl.connect. */
    private static byte[] socketImplWithConnect(String name) {
        return classWithOneMethod(name, Opcodes.ACC_PUBLIC, Opcodes.ACC_PROTECTED, "connect", "(Ljava/net/SocketAddress;I)V", mv -> {
            mv.visitVarInsn(Opcodes.ALOAD, 1);
            mv.visitMethodInsn(Opcodes.INVOKEVIRTUAL, "java/lang/Object", "hashCode", "()I", false);
            mv.visitInsn(Opcodes.POP);
            mv.visitInsn(Opcodes.RETURN);
        });
    }

    /** {@code static int set(boolean ipv6, ByteBuffer memory, InetSocketAddress a) { return a.getPort(); }}, io_uring's shape. */
    private static byte[] sockaddrIn(String name) {
        return classWithOneMethod(name, Opcodes.ACC_PUBLIC | Opcodes.ACC_FINAL, Opcodes.ACC_STATIC, "set",
                "(ZLjava/nio/ByteBuffer;Ljava/net/InetSocketAddress;)I", mv -> {
                    mv.visitVarInsn(Opcodes.ALOAD, 2);
                    mv.visitMethodInsn(Opcodes.INVOKEVIRTUAL, "java/net/InetSocketAddress", "getPort", "()I", false);
                    mv.visitInsn(Opcodes.IRETURN);
                });
    }

    /** A class {@code name} with one method whose instructions {@code body} writes (frames and maxima computed). */
    private static byte[] classWithOneMethod(String name, int classAccess, int methodAccess, String method, String descriptor,
                                             java.util.function.Consumer<MethodVisitor> body) {
        ClassWriter cw = new ClassWriter(ClassWriter.COMPUTE_FRAMES | ClassWriter.COMPUTE_MAXS);
        cw.visit(Opcodes.V17, classAccess, name, null, "java/lang/Object", null);
        MethodVisitor mv = cw.visitMethod(methodAccess, method, descriptor, null, null);
        mv.visitCode();
        body.accept(mv);
        mv.visitMaxs(0, 0);
        mv.visitEnd();
        cw.visitEnd();
        return cw.toByteArray();
    }

    private static List<String> calls(byte[] bytes) {
        List<String> calls = new ArrayList<>();
        new ClassReader(bytes).accept(new ClassVisitor(Opcodes.ASM9) {
            @Override
            public MethodVisitor visitMethod(int access, String n, String d, String s, String[] e) {
                return new MethodVisitor(Opcodes.ASM9) {
                    @Override
                    public void visitMethodInsn(int opcode, String owner, String method, String desc, boolean itf) {
                        calls.add(owner + "." + method);
                    }
                };
            }
        }, 0);
        return calls;
    }
}
