package dev.kproxy.dns;

public record PodEntry(String namespace, String name, String ip) {}
