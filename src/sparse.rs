//! Sparse rows (CSR) and the few operations the pipeline needs on them.
//!
//! TF-IDF rows stay sparse from the vectorizer to the classifier: a news
//! corpus has hundreds of thousands of features and a document a few
//! hundred of them.

use sprs::CsMatI;

/// Sparse rows: `f32` values, `u32` column indices, `usize` row pointers.
pub type Csr = CsMatI<f32, u32, usize>;

/// Row `i` of `x`: its column indices (ascending) and values.
pub(crate) fn row(x: &Csr, i: usize) -> (&[u32], &[f32]) {
    let ptr = x.indptr();
    let ptr = ptr.raw_storage();
    let (a, b) = (ptr[i], ptr[i + 1]);
    (&x.indices()[a..b], &x.data()[a..b])
}

/// Rows `rows` of `x`, in that order.
pub(crate) fn select_rows(x: &Csr, rows: &[usize]) -> Csr {
    let mut indptr = Vec::with_capacity(rows.len() + 1);
    indptr.push(0);
    let mut indices = Vec::new();
    let mut data = Vec::new();
    for &r in rows {
        let (idx, val) = row(x, r);
        indices.extend_from_slice(idx);
        data.extend_from_slice(val);
        indptr.push(indices.len());
    }
    Csr::new((rows.len(), x.cols()), indptr, indices, data)
}

/// A matrix from rows that are each sorted by column and within `n_cols`.
pub(crate) fn assemble(rows: impl Iterator<Item = (Vec<u32>, Vec<f32>)>, n_cols: usize) -> Csr {
    let mut indptr = vec![0usize];
    let mut indices = Vec::new();
    let mut data = Vec::new();
    for (idx, val) in rows {
        indices.extend_from_slice(&idx);
        data.extend_from_slice(&val);
        indptr.push(indices.len());
    }
    from_parts(n_cols, indptr, indices, data)
}

/// A matrix from its CSR arrays, built by code that keeps rows sorted and
/// columns in range.
pub(crate) fn from_parts(
    n_cols: usize,
    indptr: Vec<usize>,
    indices: Vec<u32>,
    data: Vec<f32>,
) -> Csr {
    let n_rows = indptr.len() - 1;
    Csr::try_new((n_rows, n_cols), indptr, indices, data)
        .map_err(|(_, _, _, e)| e)
        .expect("rows are built sorted and in range")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_select_and_assemble() {
        let x = assemble(
            vec![
                (vec![0, 2], vec![1.0, 2.0]),
                (vec![], vec![]),
                (vec![1], vec![3.0]),
            ]
            .into_iter(),
            3,
        );
        assert_eq!(row(&x, 0), (&[0u32, 2][..], &[1.0f32, 2.0][..]));
        assert_eq!(row(&x, 1).0.len(), 0);
        let y = select_rows(&x, &[2, 0]);
        assert_eq!(y.rows(), 2);
        assert_eq!(row(&y, 0), (&[1u32][..], &[3.0f32][..]));
        assert_eq!(row(&y, 1), (&[0u32, 2][..], &[1.0f32, 2.0][..]));
    }
}
