package dev.kproxy.sandbox.kubelet;

import java.util.List;
import java.util.Map;

/**
 * What one image runs as on this machine: the sandbox's stand-in for an image's
 * ENTRYPOINT, CMD, ENV and WORKDIR. Values may hold {@link CatalogPlaceholders placeholders}.
 *
 * @param pattern the catalogue key that matched (exact image, image without tag, or glob)
 * @param id      a digest of the entry, reported as the container's imageID so edits are visible
 */
record ImageEntry(String pattern, List<String> entrypoint, List<String> cmd, Map<String, String> env,
                  String workingDir, String id) {
}
