package dev.kproxy.jvmagent.hooks;

import org.objectweb.asm.ClassWriter;
import org.objectweb.asm.Label;
import org.objectweb.asm.MethodVisitor;
import org.objectweb.asm.Opcodes;

/**
 * Writes {@link ResolverClass}'s class with ASM (kept apart so ASM loads only when this runs):
 * <pre>
 * final class ClusterResolver implements InetAddressResolver {
 *     ClusterResolver(InetAddressResolver jdk)
 *     Stream lookupByName(String host, LookupPolicy p) {
 *         Stream cluster = Hooks.clusterStream(host);
 *         return cluster != null ? cluster : jdk.lookupByName(host, p);
 *     }
 *     String lookupByAddress(byte[] a) { return jdk.lookupByAddress(a); }
 * }
 * </pre>
 */
final class ResolverClassWriter {
    private static final String RESOLVER = ResolverClass.RESOLVER;
    private static final String POLICY = "Ljava/net/spi/InetAddressResolver$LookupPolicy;";

    private ResolverClassWriter() {
    }

    static byte[] bytes() {
        String self = ResolverClass.NAME;
        String hooks = Hooks.class.getName().replace('.', '/');
        ClassWriter cw = new ClassWriter(ClassWriter.COMPUTE_MAXS); // the one frame is written below
        cw.visit(Opcodes.V17, Opcodes.ACC_PUBLIC | Opcodes.ACC_FINAL | Opcodes.ACC_SUPER, self, null, "java/lang/Object", new String[] {RESOLVER});
        cw.visitField(Opcodes.ACC_PRIVATE | Opcodes.ACC_FINAL, "jdk", "L" + RESOLVER + ";", null, null).visitEnd();

        MethodVisitor init = cw.visitMethod(Opcodes.ACC_PUBLIC, "<init>", "(L" + RESOLVER + ";)V", null, null);
        init.visitCode();
        init.visitVarInsn(Opcodes.ALOAD, 0);
        init.visitMethodInsn(Opcodes.INVOKESPECIAL, "java/lang/Object", "<init>", "()V", false);
        init.visitVarInsn(Opcodes.ALOAD, 0);
        init.visitVarInsn(Opcodes.ALOAD, 1);
        init.visitFieldInsn(Opcodes.PUTFIELD, self, "jdk", "L" + RESOLVER + ";");
        init.visitInsn(Opcodes.RETURN);
        init.visitMaxs(0, 0);
        init.visitEnd();

        String byName = "(Ljava/lang/String;" + POLICY + ")Ljava/util/stream/Stream;";
        MethodVisitor lookup = cw.visitMethod(Opcodes.ACC_PUBLIC, "lookupByName", byName, null, new String[] {"java/net/UnknownHostException"});
        lookup.visitCode();
        lookup.visitVarInsn(Opcodes.ALOAD, 1);
        lookup.visitMethodInsn(Opcodes.INVOKESTATIC, hooks, "clusterStream", "(Ljava/lang/String;)Ljava/util/stream/Stream;", false);
        lookup.visitInsn(Opcodes.DUP);
        Label jdk = new Label();
        lookup.visitJumpInsn(Opcodes.IFNULL, jdk);
        lookup.visitInsn(Opcodes.ARETURN);
        lookup.visitLabel(jdk);
        lookup.visitFrame(Opcodes.F_SAME1, 0, null, 1, new Object[] {"java/util/stream/Stream"});
        lookup.visitInsn(Opcodes.POP);
        lookup.visitVarInsn(Opcodes.ALOAD, 0);
        lookup.visitFieldInsn(Opcodes.GETFIELD, self, "jdk", "L" + RESOLVER + ";");
        lookup.visitVarInsn(Opcodes.ALOAD, 1);
        lookup.visitVarInsn(Opcodes.ALOAD, 2);
        lookup.visitMethodInsn(Opcodes.INVOKEINTERFACE, RESOLVER, "lookupByName", byName, true);
        lookup.visitInsn(Opcodes.ARETURN);
        lookup.visitMaxs(0, 0);
        lookup.visitEnd();

        MethodVisitor reverse = cw.visitMethod(Opcodes.ACC_PUBLIC, "lookupByAddress", "([B)Ljava/lang/String;", null,
                new String[] {"java/net/UnknownHostException"});
        reverse.visitCode();
        reverse.visitVarInsn(Opcodes.ALOAD, 0);
        reverse.visitFieldInsn(Opcodes.GETFIELD, self, "jdk", "L" + RESOLVER + ";");
        reverse.visitVarInsn(Opcodes.ALOAD, 1);
        reverse.visitMethodInsn(Opcodes.INVOKEINTERFACE, RESOLVER, "lookupByAddress", "([B)Ljava/lang/String;", true);
        reverse.visitInsn(Opcodes.ARETURN);
        reverse.visitMaxs(0, 0);
        reverse.visitEnd();
        cw.visitEnd();
        return cw.toByteArray();
    }
}
