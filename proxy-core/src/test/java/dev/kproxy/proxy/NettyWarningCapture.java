package dev.kproxy.proxy;

import io.netty.util.internal.logging.InternalLogger;
import io.netty.util.internal.logging.InternalLoggerFactory;
import java.lang.reflect.Proxy;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Records every WARN/ERROR Netty itself logs (an exception reaching the pipeline's tail, a
 * ByteBuf leak report, an exception thrown from a handler). Must be installed before any Netty
 * class creates its logger, i.e. first thing in a fresh JVM (surefire runs each class in its own).
 */
final class NettyWarningCapture extends InternalLoggerFactory {

    static final List<String> WARNINGS = new CopyOnWriteArrayList<>();

    private NettyWarningCapture() {
    }

    static void install() {
        InternalLoggerFactory.setDefaultFactory(new NettyWarningCapture());
    }

    @Override
    protected InternalLogger newInstance(String name) {
        return (InternalLogger) Proxy.newProxyInstance(InternalLogger.class.getClassLoader(), new Class<?>[] {InternalLogger.class},
                (proxy, method, args) -> {
                    String m = method.getName();
                    switch (m) {
                        case "name":
                            return name;
                        case "isWarnEnabled":
                        case "isErrorEnabled":
                            return true;
                        case "isEnabled":
                            String level = String.valueOf(args[0]);
                            return level.equals("WARN") || level.equals("ERROR");
                        case "warn":
                        case "error":
                            record(name, m, args);
                            return null;
                        case "log":
                            if (String.valueOf(args[0]).equals("WARN") || String.valueOf(args[0]).equals("ERROR")) {
                                record(name, m, Arrays.copyOfRange(args, 1, args.length));
                            }
                            return null;
                        case "toString":
                            return "capturing logger " + name;
                        case "hashCode":
                            return System.identityHashCode(proxy);
                        case "equals":
                            return proxy == args[0];
                        default:
                            return method.getReturnType() == boolean.class ? Boolean.FALSE : null;
                    }
                });
    }

    private static void record(String logger, String level, Object[] args) {
        String line = level + " " + logger + ": " + Arrays.deepToString(args);
        System.err.println("captured netty " + line);
        WARNINGS.add(line);
    }
}
