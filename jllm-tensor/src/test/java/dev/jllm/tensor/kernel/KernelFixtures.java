package dev.jllm.tensor.kernel;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Reads the PyTorch goldens written by tools/kernels/make_kernel_fixtures.py. */
final class KernelFixtures {
    private KernelFixtures() {}

    /** One case: its parameters and its named float arrays. */
    record Case(String name, Map<String, String> params, Map<String, float[]> arrays) {
        int i(String key) { return Integer.parseInt(param(key)); }
        double d(String key) {
            String v = param(key);
            return v.equals("nan") ? Double.NaN : Double.parseDouble(v);
        }
        String s(String key) { return param(key); }
        boolean has(String key) { return params.containsKey(key); }

        String param(String key) {
            String v = params.get(key);
            if (v == null) throw new IllegalStateException("case " + name + " has no parameter " + key);
            return v;
        }

        float[] a(String key) {
            float[] v = arrays.get(key);
            if (v == null) throw new IllegalStateException("case " + name + " has no array " + key);
            return v;
        }

        @Override public String toString() { return name; }
    }

    static List<Case> load(String family) {
        String path = "/kernels/" + family + ".txt";
        try (InputStream in = KernelFixtures.class.getResourceAsStream(path)) {
            if (in == null) throw new IllegalStateException("missing fixture " + path + " (run tools/kernels/make_kernel_fixtures.py)");
            BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
            List<Case> cases = new ArrayList<>();
            String name = null;
            Map<String, String> params = null;
            Map<String, float[]> arrays = null;
            for (String line; (line = r.readLine()) != null; ) {
                if (line.isBlank() || line.startsWith("#")) continue;
                String[] tok = line.trim().split("\\s+");
                if (tok[0].equals("case")) {
                    name = tok[1];
                    params = new LinkedHashMap<>();
                    arrays = new LinkedHashMap<>();
                    for (int i = 2; i < tok.length; i++) {
                        int eq = tok[i].indexOf('=');
                        params.put(tok[i].substring(0, eq), tok[i].substring(eq + 1));
                    }
                } else if (tok[0].equals("end")) {
                    cases.add(new Case(name, params, arrays));
                    name = null;
                } else {
                    if (name == null) throw new IllegalStateException(path + ": array line outside a case: " + tok[0]);
                    float[] v = new float[tok.length - 1];
                    for (int i = 1; i < tok.length; i++) v[i - 1] = parse(tok[i]);
                    arrays.put(tok[0], v);
                }
            }
            return cases;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static float parse(String s) {
        return switch (s) {
            case "inf" -> Float.POSITIVE_INFINITY;
            case "-inf" -> Float.NEGATIVE_INFINITY;
            case "nan" -> Float.NaN;
            default -> Float.parseFloat(s);
        };
    }
}
