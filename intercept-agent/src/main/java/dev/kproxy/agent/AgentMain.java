package dev.kproxy.agent;

import java.io.IOException;
import java.util.concurrent.CountDownLatch;

/** Entry point of the agent container: {@code java -jar kproxy-intercept-agent.jar}, configured by environment. */
public final class AgentMain {
    private AgentMain() {
    }

    public static void main(String[] args) throws InterruptedException {
        AgentConfig config;
        try {
            config = AgentConfig.fromEnvironment(System.getenv());
        } catch (AgentConfigException e) {
            System.err.println("kproxy-agent: " + e.getMessage());
            System.exit(2);
            return;
        }
        Agent agent = new Agent(config);
        try {
            agent.start();
        } catch (IOException e) {
            System.err.println("kproxy-agent: " + e.getMessage());
            System.exit(1);
            return;
        }
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            agent.close();
            stopped.countDown();
        }, "agent-shutdown"));
        AgentLog.info("ready");
        stopped.await();
    }
}
