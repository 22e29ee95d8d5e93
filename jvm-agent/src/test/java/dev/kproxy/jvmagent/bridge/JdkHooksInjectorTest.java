package dev.kproxy.jvmagent.bridge;

import org.junit.jupiter.api.Test;
import org.objectweb.asm.ClassReader;
import org.objectweb.asm.ClassVisitor;
import org.objectweb.asm.MethodVisitor;
import org.objectweb.asm.Opcodes;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class JdkHooksInjectorTest {
    @Test
    void theRenamedClassIsJdkHooksUnderItsJavaBaseName() throws Exception {
        ClassReader reader = new ClassReader(JdkHooksInjector.renamed());
        assertThat(reader.getClassName()).isEqualTo("sun/nio/ch/KproxyHooks");
        List<String> methods = new ArrayList<>();
        reader.accept(new ClassVisitor(Opcodes.ASM9) {
            @Override
            public MethodVisitor visitMethod(int access, String name, String desc, String signature, String[] exceptions) {
                methods.add(name + desc);
                return null;
            }
        }, 0);
        assertThat(methods).contains("route(Ljava/net/SocketAddress;)Ljava/net/SocketAddress;",
                "peer(Ljava/net/SocketAddress;)Ljava/net/SocketAddress;",
                "peerAddress(Ljava/net/InetAddress;I)Ljava/net/InetAddress;", "peerPort(Ljava/net/InetAddress;I)I");
    }
}
