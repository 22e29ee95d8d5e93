package dev.kproxy.sandbox;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

import dev.kproxy.sandbox.api.AccessRules;

/**
 * How to start a {@link Sandbox}.
 *
 * @param apiPort            API server port on 127.0.0.1 (0: any free port)
 * @param kubeconfig         where to write the admin kubeconfig
 * @param workDir            where pods' directories, volumes and logs go
 * @param imageCatalogue     image → local command file, or null for none (every pod then reports ImagePullBackOff)
 * @param portForwardLatency the network round trip to emulate (zero: none): added to each port-forward round trip, and
 *     twice to each new API connection (its TCP and TLS handshakes)
 * @param users              extra users with restricted access, for RBAC tests
 * @param machineLockWait    how long to wait for another process's sandbox to stop (only one runs
 *                           per machine); default from {@code KPROXY_SANDBOX_LOCK_WAIT} (seconds), else
 *                           zero: fail at once. Test runs set it so parallel runs queue instead of failing.
 */
public record SandboxConfig(int apiPort, Path kubeconfig, Path workDir, Path imageCatalogue, Duration portForwardLatency,
                            List<User> users, Duration machineLockWait) {

    /** A non-admin identity: its token and what it may do. */
    public record User(String name, String token, AccessRules rules) {
    }

    public SandboxConfig {
        Objects.requireNonNull(kubeconfig, "kubeconfig");
        Objects.requireNonNull(workDir, "workDir");
        portForwardLatency = portForwardLatency == null ? Duration.ZERO : portForwardLatency;
        users = List.copyOf(users);
        machineLockWait = machineLockWait == null ? Duration.ZERO : machineLockWait;
    }

    /** {@code KPROXY_SANDBOX_LOCK_WAIT} in seconds: an environment variable, so child kproxy JVMs inherit it. */
    static Duration lockWaitFromEnvironment() {
        String v = System.getenv("KPROXY_SANDBOX_LOCK_WAIT");
        try {
            return v == null || v.isBlank() ? Duration.ZERO : Duration.ofSeconds(Long.parseLong(v.trim()));
        } catch (NumberFormatException e) {
            return Duration.ZERO;
        }
    }

    public static Builder builder() {
        return new Builder();
    }

    public static final class Builder {
        private int apiPort;
        private Path kubeconfig;
        private Path workDir;
        private Path imageCatalogue;
        private Duration portForwardLatency = Duration.ZERO;
        private final List<User> users = new ArrayList<>();
        private Duration machineLockWait = lockWaitFromEnvironment();

        public Builder apiPort(int port) {
            this.apiPort = port;
            return this;
        }

        public Builder kubeconfig(Path file) {
            this.kubeconfig = file;
            return this;
        }

        public Builder workDir(Path dir) {
            this.workDir = dir;
            return this;
        }

        public Builder imageCatalogue(Path file) {
            this.imageCatalogue = file;
            return this;
        }

        public Builder portForwardLatency(Duration latency) {
            this.portForwardLatency = latency;
            return this;
        }

        public Builder user(String name, String token, AccessRules rules) {
            users.add(new User(name, token, rules));
            return this;
        }

        public Builder machineLockWait(Duration wait) {
            this.machineLockWait = wait;
            return this;
        }

        public SandboxConfig build() {
            return new SandboxConfig(apiPort, kubeconfig, workDir, imageCatalogue, portForwardLatency, users, machineLockWait);
        }
    }
}
