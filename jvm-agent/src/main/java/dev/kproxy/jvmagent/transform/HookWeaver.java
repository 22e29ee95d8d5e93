package dev.kproxy.jvmagent.transform;

import org.objectweb.asm.ClassReader;
import org.objectweb.asm.ClassVisitor;
import org.objectweb.asm.ClassWriter;
import org.objectweb.asm.MethodVisitor;
import org.objectweb.asm.Opcodes;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The ASM side of {@link HookTransformer}, in a class of its own so that ASM is loaded only when
 * a class must really be woven (not when the woven bytes come from the cache).
 */
final class HookWeaver {
    /** The woven class, and the hook points it lacks (reported by the caller). */
    record Woven(byte[] bytes, List<HookPoint> missing) {
    }

    private HookWeaver() {
    }

    /** {@code bytes} with {@link HookCode} at each of {@code points} the class has; null bytes when it has none. */
    static Woven weave(byte[] bytes, List<HookPoint> points) {
        ClassReader reader = new ClassReader(bytes);
        ClassWriter writer = new ClassWriter(reader, ClassWriter.COMPUTE_MAXS);
        Set<HookPoint> applied = new HashSet<>();
        reader.accept(new ClassVisitor(Opcodes.ASM9, writer) {
            @Override
            public MethodVisitor visitMethod(int access, String name, String desc, String signature, String[] exceptions) {
                MethodVisitor next = super.visitMethod(access, name, desc, signature, exceptions);
                for (HookPoint p : points) {
                    if (p.matchesMethod(name, desc) && (access & Opcodes.ACC_ABSTRACT) == 0) {
                        applied.add(p);
                        return new HookCode(next, (access & Opcodes.ACC_STATIC) != 0, desc, p.routeArg(), p.hooksClass(), p.route(), p.exit());
                    }
                }
                return next;
            }
        }, 0);
        List<HookPoint> missing = new ArrayList<>();
        for (HookPoint p : points) {
            if (!applied.contains(p)) {
                missing.add(p);
            }
        }
        return new Woven(applied.isEmpty() ? null : writer.toByteArray(), missing);
    }
}
