/** Randomness is injected (CONVENTIONS §9): `next()` returns a float in [0, 1). */
export interface Random {
  next(): number;
}

/** A small deterministic generator (mulberry32) for tests and simulations. */
export function createSeededRandom(seed: number): Random {
  let state = seed >>> 0;
  return {
    next() {
      state = (state + 0x6d2b79f5) >>> 0;
      let t = state;
      t = Math.imul(t ^ (t >>> 15), t | 1);
      t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    },
  };
}

export function createSystemRandom(): Random {
  // eslint-disable-next-line no-restricted-properties -- the one place the real generator is read
  return { next: () => Math.random() };
}
