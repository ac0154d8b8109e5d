package dev.jllm.engine.batch;

import java.util.List;

/**
 * One generated token.
 *
 * @param tokenId     the token
 * @param text        text that became safe to show with this token: may be empty (an incomplete
 *                    UTF-8 sequence, or a tail that could start a stop string is held back), may
 *                    cover earlier tokens' held-back text. Concatenated over all events plus
 *                    {@link Completion#tailText()} it is the completion's text.
 * @param logprob     log-probability of the token under the model's distribution (log-softmax of
 *                    the raw logits, before penalties, temperature and filters); NaN unless the
 *                    request asked for log-probabilities
 * @param topLogprobs the request's {@code topLogprobs} most likely tokens, most likely first (empty if none asked)
 * @param index       0 for the first generated token, then 1, 2, ...
 */
public record TokenEvent(int tokenId, String text, float logprob, List<TopLogprob> topLogprobs, int index) {}
