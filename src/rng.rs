//! A small deterministic generator (SplitMix64) and seeded, stratified
//! fold assignment. Shuffles and splits must not change with a
//! dependency's version, so both are written here.

/// SplitMix64 (Steele, Lea and Flood, 2014).
pub(crate) struct SplitMix(u64);

impl SplitMix {
    pub(crate) fn new(seed: u64) -> Self {
        SplitMix(seed)
    }

    pub(crate) fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    pub(crate) fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n as u64) as usize
    }

    pub(crate) fn shuffle<T>(&mut self, items: &mut [T]) {
        for i in (1..items.len()).rev() {
            let j = self.below(i + 1);
            items.swap(i, j);
        }
    }
}

/// Assigns each document a fold in `0..k`. Within each class, documents
/// are shuffled with `seed` and dealt round-robin, starting where the
/// previous class stopped, so folds differ in size by at most one and each
/// class is spread as evenly as possible.
pub(crate) fn stratified_folds(targets: &[usize], k: usize, seed: u64) -> Vec<usize> {
    let n_classes = targets.iter().max().map_or(0, |m| m + 1);
    let mut by_class: Vec<Vec<usize>> = vec![Vec::new(); n_classes];
    for (i, &t) in targets.iter().enumerate() {
        by_class[t].push(i);
    }
    let mut rng = SplitMix::new(seed);
    let mut fold = vec![0; targets.len()];
    let mut next = 0;
    for members in &mut by_class {
        rng.shuffle(members);
        for &i in members.iter() {
            fold[i] = next % k;
            next += 1;
        }
    }
    fold
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folds_are_balanced_per_class() {
        let targets: Vec<usize> = (0..30).map(|i| if i < 20 { 0 } else { 1 }).collect();
        let folds = stratified_folds(&targets, 5, 7);
        for f in 0..5 {
            let in_fold: Vec<usize> = (0..30).filter(|&i| folds[i] == f).collect();
            assert_eq!(in_fold.len(), 6);
            assert_eq!(in_fold.iter().filter(|&&i| targets[i] == 0).count(), 4);
        }
        assert_eq!(folds, stratified_folds(&targets, 5, 7), "seeded");
        assert_ne!(folds, stratified_folds(&targets, 5, 8), "seed matters");
    }

    #[test]
    fn splitmix_reference_values() {
        // SplitMix64 with seed 0: the first outputs of the reference C
        // implementation (Vigna, splitmix64.c).
        let mut r = SplitMix::new(0);
        assert_eq!(r.next_u64(), 0xE220_A839_7B1D_CDAF);
        assert_eq!(r.next_u64(), 0x6E78_9E6A_A1B9_65F4);
    }
}
