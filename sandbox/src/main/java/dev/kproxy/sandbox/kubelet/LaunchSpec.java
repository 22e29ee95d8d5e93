package dev.kproxy.sandbox.kubelet;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * Everything needed to start one container as a process: argv, the complete environment (the
 * process inherits nothing else), the working directory, and the image entry it came from.
 */
record LaunchSpec(List<String> argv, Map<String, String> env, Path workingDir, ImageEntry image, MountPathMapper mounts) {
}
