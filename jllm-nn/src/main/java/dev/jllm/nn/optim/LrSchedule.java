package dev.jllm.nn.optim;

/**
 * A learning rate as a pure function of the optimizer step (0-based: the rate for the step
 * about to be taken, i.e. {@code schedule.lr(optimizer.stepCount())}).
 *
 * <p>Warmup follows the Hugging Face convention: {@code peak · step / warmup}, reaching the
 * peak at {@code step == warmup}. Past {@code totalSteps} every decaying schedule holds its
 * minimum.
 */
@FunctionalInterface
public interface LrSchedule {
    double lr(long step);

    /** The same rate at every step. */
    static LrSchedule constant(double lr) {
        return new Schedules.Constant(lr);
    }

    /** Linear warmup to {@code peak}, then half-cosine decay to {@code min} at {@code totalSteps}. */
    static LrSchedule warmupCosine(double peak, double min, long warmupSteps, long totalSteps) {
        return new Schedules.WarmupCosine(peak, min, warmupSteps, totalSteps);
    }

    /**
     * Warmup–stable–decay: linear warmup to {@code peak}, hold it, then cool down to {@code min}
     * over the last {@code decayFraction} of {@code totalSteps} with the given shape.
     */
    static LrSchedule warmupStableDecay(double peak, double min, long warmupSteps, long totalSteps,
                                        double decayFraction, Cooldown cooldown) {
        return new Schedules.WarmupStableDecay(peak, min, warmupSteps, totalSteps, decayFraction, cooldown);
    }

    /** Shape of the WSD cooldown, as a function of progress {@code x} in [0,1] through it. */
    enum Cooldown {
        /** {@code peak + (min - peak)·x}. */
        LINEAR,
        /** {@code min + (peak - min)·(1 + cos πx)/2}. */
        COSINE,
        /** {@code min + (peak - min)·(1 - √x)} (Hägele et al. 2024, "1-sqrt"). */
        SQRT
    }
}
