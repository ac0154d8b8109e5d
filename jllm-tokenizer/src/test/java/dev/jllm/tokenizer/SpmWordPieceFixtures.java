package dev.jllm.tokenizer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.GZIPInputStream;

/** Loads the gzipped fixtures written by tools/tokenizer-spm-wordpiece and formats mismatches. */
final class SpmWordPieceFixtures {
    private SpmWordPieceFixtures() {}

    static final ObjectMapper JSON = new ObjectMapper();

    static JsonNode gz(String resource) {
        try (InputStream in = SpmWordPieceFixtures.class.getResourceAsStream(resource)) {
            if (in == null) throw new IllegalStateException("missing test resource " + resource);
            return JSON.readTree(new GZIPInputStream(in, 1 << 16));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static int[] ints(JsonNode array) {
        int[] a = new int[array.size()];
        for (int i = 0; i < a.length; i++) a[i] = array.get(i).asInt();
        return a;
    }

    static int[] concat(int[] a, int... b) {
        int[] c = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, c, a.length, b.length);
        return c;
    }

    /** Collects mismatches; the assertion message shows the first few. */
    static final class Mismatches {
        private final List<String> items = new ArrayList<>();
        int checked;

        void check(boolean ok, String what) {
            checked++;
            if (!ok) items.add(what);
        }

        void checkIds(int[] expected, int[] actual, String what) {
            check(java.util.Arrays.equals(expected, actual), what + "\n  expected " + java.util.Arrays.toString(expected)
                    + "\n  actual   " + java.util.Arrays.toString(actual));
        }

        void checkText(String expected, String actual, String what) {
            check(expected.equals(actual), what + "\n  expected '" + escape(expected) + "'\n  actual   '" + escape(actual) + "'");
        }

        int count() {
            if (checked < 40) throw new AssertionError("only " + checked + " checks ran: is the fixture empty?");
            return items.size();
        }

        String report() {
            return items.size() + " of " + checked + " checks differ:\n" + String.join("\n", items.subList(0, Math.min(8, items.size())));
        }
    }

    static String escape(String s) {
        StringBuilder b = new StringBuilder();
        s.codePoints().forEach(cp -> {
            if (cp < 0x20 || cp == 0x7F || (cp >= 0x80 && cp < 0xA0)) b.append(String.format("\\u%04X", cp));
            else b.appendCodePoint(cp);
        });
        String t = b.toString();
        return t.length() > 300 ? t.substring(0, 300) + "…" : t;
    }
}
