package dev.jllm.engine.constrain;

import java.util.Arrays;
import java.util.Comparator;

/**
 * Token byte strings in a trie (nodes in preorder, node 0 the root), so that a walk checks a prefix
 * shared by many tokens once. Siblings are linked; the tokens ending at a node are a range of
 * {@link #sortedIds}.
 */
final class TokenTrie {
    final int[] firstChild, nextSibling;
    final byte[] edge;
    final int[] tokensFrom, tokensTo;
    final int[] sortedIds;
    final int maxDepth;

    /** @param bytes what each id writes; only ids with {@code include[id]} go in */
    TokenTrie(byte[][] bytes, boolean[] include) {
        int n = 0;
        for (int id = 0; id < bytes.length; id++) if (include[id]) n++;
        Integer[] order = new Integer[n];
        for (int id = 0, k = 0; id < bytes.length; id++) if (include[id]) order[k++] = id;
        Arrays.sort(order, Comparator.comparing(id -> bytes[id], Arrays::compareUnsigned));
        sortedIds = new int[n];
        int cap = 1, maxLen = 0;
        for (int i = 0; i < n; i++) {
            sortedIds[i] = order[i];
            cap += bytes[order[i]].length;
            maxLen = Math.max(maxLen, bytes[order[i]].length);
        }
        maxDepth = maxLen;
        int[] fc = new int[cap], ns = new int[cap], from = new int[cap], to = new int[cap], lastChild = new int[cap];
        byte[] ed = new byte[cap];
        Arrays.fill(fc, -1);
        Arrays.fill(ns, -1);
        Arrays.fill(lastChild, -1);
        int nodes = 1;
        int[] path = new int[maxLen + 1]; // path[d]: node at depth d on the previous token's path
        byte[] prev = new byte[0];
        // Sorted order: each token shares its longest common prefix with the one before it.
        for (int i = 0; i < n; i++) {
            byte[] b = bytes[sortedIds[i]];
            int lcp = 0;
            while (lcp < b.length && lcp < prev.length && b[lcp] == prev[lcp]) lcp++;
            for (int d = lcp; d < b.length; d++) {
                int parent = path[d], c = nodes++;
                ed[c] = b[d];
                if (lastChild[parent] < 0) fc[parent] = c; else ns[lastChild[parent]] = c;
                lastChild[parent] = c;
                path[d + 1] = c;
            }
            int end = path[b.length];
            if (to[end] == 0) from[end] = i; // the first token ending here
            to[end] = i + 1;
            prev = b;
        }
        firstChild = Arrays.copyOf(fc, nodes);
        nextSibling = Arrays.copyOf(ns, nodes);
        edge = Arrays.copyOf(ed, nodes);
        tokensFrom = Arrays.copyOf(from, nodes);
        tokensTo = Arrays.copyOf(to, nodes);
    }
}
