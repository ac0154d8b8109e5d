package dev.jllm.nn.autograd;

import java.io.BufferedReader;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/**
 * Reference arrays written by tools/train/attention_rope_golden.py: one per line,
 * {@code name v0 v1 ...}.
 */
final class AttentionGoldens {
    static final Path DIR = Path.of("src/test/resources/autograd");
    private final Map<String, String[]> rows;

    private AttentionGoldens(Map<String, String[]> rows) { this.rows = rows; }

    static AttentionGoldens load(String file) throws IOException {
        Map<String, String[]> rows = new HashMap<>();
        try (BufferedReader in = Files.newBufferedReader(DIR.resolve(file))) {
            for (String line; (line = in.readLine()) != null; ) {
                if (line.isBlank()) continue;
                String[] p = line.trim().split(" ");
                rows.put(p[0], java.util.Arrays.copyOfRange(p, 1, p.length));
            }
        }
        return new AttentionGoldens(rows);
    }

    boolean has(String name) { return rows.containsKey(name); }

    private String[] row(String name) {
        String[] r = rows.get(name);
        if (r == null) throw new IllegalArgumentException("golden file lacks " + name);
        return r;
    }

    float[] floats(String name) {
        String[] r = row(name);
        float[] x = new float[r.length];
        for (int i = 0; i < r.length; i++) x[i] = Float.parseFloat(r[i]);
        return x;
    }

    int[] ints(String name) {
        String[] r = row(name);
        int[] x = new int[r.length];
        for (int i = 0; i < r.length; i++) x[i] = Integer.parseInt(r[i]);
        return x;
    }

    /** Elementwise {@code |got - want| <= tol * (1 + |want|)}, naming the first element that is off. */
    static void assertClose(float[] got, float[] want, double tol, String what) {
        if (got.length != want.length) throw new AssertionError(what + ": " + got.length + " values, expected " + want.length);
        for (int i = 0; i < want.length; i++) {
            if (!(Math.abs(got[i] - want[i]) <= tol * (1 + Math.abs(want[i])))) {
                throw new AssertionError(what + "[" + i + "] = " + got[i] + ", PyTorch " + want[i]);
            }
        }
    }
}
