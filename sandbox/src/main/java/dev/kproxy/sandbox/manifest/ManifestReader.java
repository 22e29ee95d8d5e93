package dev.kproxy.sandbox.manifest;

import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import dev.kproxy.sandbox.store.ResourceCatalog;
import dev.kproxy.sandbox.store.ResourceType;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.MappingIterator;
import tools.jackson.databind.node.ObjectNode;
import tools.jackson.dataformat.yaml.YAMLMapper;

/**
 * Reads multi-document Kubernetes YAML (and {@code kind: List}) into {@link Manifest}s, checking
 * what can be checked without a cluster: YAML syntax, apiVersion/kind known to the sandbox,
 * metadata.name. Reading everything before applying anything is what keeps a bad file from
 * being half-applied.
 */
public final class ManifestReader {
    private final YAMLMapper yaml = YAMLMapper.builder().build();

    public List<Manifest> read(List<Path> files) {
        List<Manifest> all = new ArrayList<>();
        for (Path file : files) {
            all.addAll(read(file));
        }
        return all;
    }

    public List<Manifest> read(Path file) {
        List<Manifest> out = new ArrayList<>();
        int document = 0;
        try (Reader reader = Files.newBufferedReader(file);
             MappingIterator<JsonNode> docs = yaml.readerFor(JsonNode.class).readValues(reader)) {
            // `document` is always the one being read, so a parse error names it.
            for (document = 1; docs.hasNextValue(); document++) {
                JsonNode doc = docs.nextValue();
                String where = file + ", document " + document;
                if (doc == null || doc.isNull() || doc.isMissingNode() || (doc.isObject() && doc.isEmpty())) {
                    continue;
                }
                addDocument(where, doc, out);
            }
        } catch (NoSuchFileException e) {
            throw new ManifestException(file + ": no such file");
        } catch (JacksonException e) {
            throw new ManifestException(file + ", document " + Math.max(1, document) + ": invalid YAML: "
                    + e.getOriginalMessage().lines().findFirst().orElse("syntax error")
                    + (e.getLocation() != null ? " (line " + e.getLocation().getLineNr() + ")" : ""));
        } catch (IOException e) {
            throw new ManifestException(file + ": cannot read: " + e.getMessage());
        }
        return out;
    }

    private void addDocument(String where, JsonNode doc, List<Manifest> out) {
        if (!doc.isObject()) {
            throw new ManifestException(where + ": expected a Kubernetes object (a YAML mapping), found " + doc.getNodeType());
        }
        String apiVersion = doc.path("apiVersion").asString("");
        String kind = doc.path("kind").asString("");
        if (apiVersion.isEmpty() || kind.isEmpty()) {
            throw new ManifestException(where + ": apiVersion and kind are required");
        }
        if (kind.equals("List") && apiVersion.equals("v1")) {
            int i = 0;
            for (JsonNode item : doc.path("items")) {
                addDocument(where + ", item " + (++i), item, out);
            }
            return;
        }
        Optional<ResourceType> type = ResourceCatalog.byKind(apiVersion, kind);
        if (type.isEmpty()) {
            throw new ManifestException(where + ": unknown kind " + apiVersion + "/" + kind
                    + " (the sandbox serves " + ResourceCatalog.ALL.stream().map(ResourceType::kind).toList() + ")");
        }
        ObjectNode object = ((ObjectNode) doc).deepCopy();
        String name = object.path("metadata").path("name").asString("");
        if (name.isEmpty()) {
            throw new ManifestException(where + " (" + kind + "): metadata.name is required");
        }
        out.add(new Manifest(where, type.get(), object));
    }
}
