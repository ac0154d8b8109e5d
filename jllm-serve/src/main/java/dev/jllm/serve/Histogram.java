package dev.jllm.serve;

import java.util.Locale;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.DoubleAdder;

/**
 * A Prometheus histogram: cumulative counts per upper bound ({@code le}), plus sum and count.
 * Lock-free; observations from many request threads at once are fine.
 */
final class Histogram {
    private final String name;
    private final String help;
    private final double[] bounds;
    private final AtomicLongArray counts; // per bucket, not cumulative; last = +Inf
    private final DoubleAdder sum = new DoubleAdder();

    Histogram(String name, String help, double... bounds) {
        for (int i = 1; i < bounds.length; i++) {
            if (!(bounds[i] > bounds[i - 1])) throw new IllegalArgumentException(name + ": bucket bounds must increase");
        }
        this.name = name;
        this.help = help;
        this.bounds = bounds.clone();
        this.counts = new AtomicLongArray(bounds.length + 1);
    }

    void observe(double v) {
        if (Double.isNaN(v)) return;
        int i = 0;
        while (i < bounds.length && v > bounds[i]) i++;
        counts.incrementAndGet(i);
        sum.add(v);
    }

    long count() {
        long c = 0;
        for (int i = 0; i < counts.length(); i++) c += counts.get(i);
        return c;
    }

    void write(StringBuilder out) {
        out.append("# HELP ").append(name).append(' ').append(help).append('\n');
        out.append("# TYPE ").append(name).append(" histogram\n");
        long cum = 0;
        for (int i = 0; i < bounds.length; i++) {
            cum += counts.get(i);
            out.append(name).append("_bucket{le=\"").append(PrometheusText.number(bounds[i])).append("\"} ").append(cum).append('\n');
        }
        cum += counts.get(bounds.length);
        out.append(name).append("_bucket{le=\"+Inf\"} ").append(cum).append('\n');
        out.append(name).append("_sum ").append(String.format(Locale.ROOT, "%s", PrometheusText.number(sum.sum()))).append('\n');
        out.append(name).append("_count ").append(cum).append('\n');
    }
}
