package dev.jllm.nn.optim;

/** The {@link LrSchedule} implementations; build them through its static factories. */
final class Schedules {
    private Schedules() {}

    record Constant(double value) implements LrSchedule {
        Constant {
            checkRate("lr", value);
        }

        @Override
        public double lr(long step) { return value; }
    }

    record WarmupCosine(double peak, double min, long warmup, long total) implements LrSchedule {
        WarmupCosine {
            checkRate("peak", peak);
            checkRate("min", min);
            checkSteps(warmup, total);
        }

        @Override
        public double lr(long step) {
            if (step < warmup) return warmupRate(peak, step, warmup);
            if (step >= total) return min;
            double progress = (double) (step - warmup) / (total - warmup);
            return min + (peak - min) * 0.5 * (1 + Math.cos(Math.PI * progress));
        }
    }

    record WarmupStableDecay(double peak, double min, long warmup, long total, double decayFraction,
                             LrSchedule.Cooldown cooldown) implements LrSchedule {
        WarmupStableDecay {
            checkRate("peak", peak);
            checkRate("min", min);
            checkSteps(warmup, total);
            if (!(decayFraction >= 0 && decayFraction <= 1)) {
                throw new IllegalArgumentException("decayFraction must be in [0,1], got " + decayFraction);
            }
            if (cooldown == null) throw new IllegalArgumentException("cooldown shape is required");
            long start = total - Math.round(decayFraction * total);
            if (start < warmup) {
                throw new IllegalArgumentException("cooldown starts at step " + start + ", before warmup ends at " + warmup);
            }
        }

        /** First step of the cooldown. */
        public long decayStart() { return total - Math.round(decayFraction * total); }

        @Override
        public double lr(long step) {
            if (step < warmup) return warmupRate(peak, step, warmup);
            long start = decayStart();
            if (step < start) return peak;
            if (step >= total) return min;
            double x = (double) (step - start) / (total - start);
            return switch (cooldown) {
                case LINEAR -> peak + (min - peak) * x;
                case COSINE -> min + (peak - min) * 0.5 * (1 + Math.cos(Math.PI * x));
                case SQRT -> min + (peak - min) * (1 - Math.sqrt(x));
            };
        }
    }

    private static double warmupRate(double peak, long step, long warmup) {
        return peak * Math.max(0, step) / warmup;
    }

    private static void checkRate(String what, double v) {
        if (!(v >= 0) || Double.isInfinite(v)) throw new IllegalArgumentException(what + " learning rate must be finite and >= 0, got " + v);
    }

    private static void checkSteps(long warmup, long total) {
        if (warmup < 0 || total <= 0 || warmup > total) {
            throw new IllegalArgumentException("need 0 <= warmupSteps <= totalSteps and totalSteps > 0, got warmup "
                    + warmup + ", total " + total);
        }
    }
}
