package dev.jllm.cli;

import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The model a command runs when {@code -m} is not given: jllm's own pretrained model, shipped
 * in the repository under {@code models/}. The jllm home is the directory of the {@code ./jllm}
 * launcher (system property {@code jllm.home}); failing that, two levels above the jar.
 */
final class DefaultModel {
    /** File name of the shipped default model, relative to the jllm home. */
    static final String RELATIVE = "models/jllm-brown-small.gguf";

    private DefaultModel() {}

    /** {@code given} if not null, else the shipped default, or a clear error when it is missing. */
    static Path resolve(Path given) {
        if (given != null) return given;
        Path home = home();
        Path p = home == null ? Path.of(RELATIVE) : home.resolve(RELATIVE);
        if (!Files.isRegularFile(p)) {
            throw new IllegalArgumentException("no model given and the default model is missing (" + p
                    + "); pass -m MODEL.gguf (or an HF directory), or restore " + RELATIVE + " from the repository");
        }
        return p;
    }

    static Path home() {
        String prop = System.getProperty("jllm.home");
        if (prop != null && !prop.isBlank()) return Path.of(prop);
        try {
            Path jar = Path.of(DefaultModel.class.getProtectionDomain().getCodeSource().getLocation().toURI());
            // jllm-cli/target/jllm.jar (or target/classes) -> repository root
            Path root = jar.getParent() == null ? null : jar.getParent().getParent();
            return root == null ? null : root.getParent();
        } catch (URISyntaxException | SecurityException | NullPointerException e) {
            return null;
        }
    }
}
