package dev.kproxy.launcher;

public final class Main {
    public static void main(String[] args) {
        System.out.println("kproxy");
    }
}
