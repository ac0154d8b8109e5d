package dev.jllm.nn.optim;

import dev.jllm.nn.Parameter;
import dev.jllm.tensor.Tensor;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The fixture written by tools/optim/make_optim_goldens.py: one array per line,
 * {@code name v0 v1 ...}; parameters, their gradient sequence, learning rates and, per case,
 * the weights after every step.
 */
final class OptimGoldens {
    static final Path FILE = Path.of("src/test/resources/optim/optim_goldens.txt");
    static final String[] NAMES = {"blk.0.w_tall", "blk.0.w_wide", "blk.0.norm", "token_embd.weight",
            "blk.0.experts", "blk.0.attn_q.weight"};

    private static OptimGoldens instance;
    private final Map<String, String[]> rows;

    private OptimGoldens(Map<String, String[]> rows) { this.rows = rows; }

    static synchronized OptimGoldens get() {
        if (instance == null) {
            Map<String, String[]> rows = new HashMap<>();
            try (BufferedReader in = Files.newBufferedReader(FILE)) {
                for (String line; (line = in.readLine()) != null; ) {
                    if (line.isBlank()) continue;
                    String[] p = line.trim().split(" ");
                    rows.put(p[0], Arrays.copyOfRange(p, 1, p.length));
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            instance = new OptimGoldens(rows);
        }
        return instance;
    }

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

    double[] doubles(String name) {
        String[] r = row(name);
        double[] x = new double[r.length];
        for (int i = 0; i < r.length; i++) x[i] = Double.parseDouble(r[i]);
        return x;
    }

    long[] shape(String param) {
        return Arrays.stream(row("shape/" + param)).mapToLong(Long::parseLong).toArray();
    }

    int steps() { return lrs().length; }

    double[] lrs() {
        float[] f = floats("lr");
        double[] d = new double[f.length];
        // The script's rates are Python doubles; the file holds them rounded to float, so re-read exactly.
        String[] r = row("lr");
        for (int i = 0; i < f.length; i++) d[i] = Double.parseDouble(r[i]);
        return d;
    }

    /** Fresh parameters holding the fixture's initial weights (prefix "init" or e.g. "bf16_init"). */
    List<Parameter> parameters(String prefix) {
        List<Parameter> ps = new ArrayList<>();
        for (String n : NAMES) {
            boolean decay = row("decay/" + n)[0].equals("1");
            ps.add(Parameter.of(n, Tensor.of(floats(prefix + "/" + n), shape(n)), decay));
        }
        return ps;
    }

    List<Parameter> parameters() { return parameters("init"); }

    /** Copies step {@code k}'s gradients into the parameters. */
    void loadGrads(int k, List<Parameter> ps) {
        for (Parameter p : ps) {
            float[] g = floats("grad/" + k + "/" + p.name());
            System.arraycopy(g, 0, p.grad(), 0, g.length);
        }
    }

    /**
     * Largest {@code |got - want| / (1 + |want|)} over the parameters; throws naming the first
     * element beyond {@code tol}.
     */
    double check(String key, List<Parameter> ps, double tol) {
        double worst = 0;
        for (Parameter p : ps) {
            float[] want = floats(key + "/" + p.name());
            float[] got = p.data();
            for (int i = 0; i < want.length; i++) {
                double err = Math.abs((double) got[i] - want[i]) / (1 + Math.abs(want[i]));
                if (!(err <= tol)) {
                    throw new AssertionError(key + "/" + p.name() + "[" + i + "] = " + got[i] + ", reference " + want[i]
                            + " (scaled error " + err + " > " + tol + ")");
                }
                worst = Math.max(worst, err);
            }
        }
        return worst;
    }
}
