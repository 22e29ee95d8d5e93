package dev.kproxy.launcher;

import dev.kproxy.sandbox.manifest.ManifestException;
import picocli.CommandLine;
import picocli.CommandLine.IExecutionExceptionHandler;
import picocli.CommandLine.ParseResult;

/**
 * The boundary where errors become what the user reads: known problems are one line on stderr
 * and exit code 1; anything else is a bug, printed with its stack trace and exit code 70.
 */
final class UserErrorHandler implements IExecutionExceptionHandler {
    @Override
    public int handleExecutionException(Exception e, CommandLine cmd, ParseResult parsed) {
        if (e instanceof UserError || e instanceof ManifestException) {
            cmd.getErr().println("kproxy: " + e.getMessage());
            return 1;
        }
        cmd.getErr().println("kproxy: internal error (please report it): " + e);
        e.printStackTrace(cmd.getErr());
        return 70;
    }
}
