package dev.jllm.serve;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/** The web chat served at {@code /}: one self-contained HTML page (no external scripts or fonts). */
final class ChatPage {
    private static final String HTML = load();

    private ChatPage() {}

    static String html() { return HTML; }

    private static String load() {
        try (InputStream in = ChatPage.class.getResourceAsStream("chat.html")) {
            if (in == null) throw new IllegalStateException("chat.html is missing from the jllm-serve jar");
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
