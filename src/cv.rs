//! Stratified, seeded k-fold assignment, shared by cross-validation and the
//! classifier's internal calibration.

use crate::linear::SplitMix;

/// Assigns each document a fold in `0..k`. Within each class, documents
/// are shuffled with `seed` and dealt round-robin, starting where the
/// previous class stopped, so folds differ in size by at most one and each
/// class is spread as evenly as possible.
pub fn stratified_folds(targets: &[usize], k: usize, seed: u64) -> Vec<usize> {
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
}
