package dev.kproxy.jvmagent;

import java.lang.instrument.Instrumentation;

/** {@code -javaagent:kproxy-agent.jar[=socket=PATH]}; see {@link AgentStart}. */
public final class Premain {
    private Premain() {
    }

    public static void premain(String args, Instrumentation inst) {
        AgentStart.start(args, inst);
    }

    public static void agentmain(String args, Instrumentation inst) {
        AgentStart.start(args, inst);
    }
}
