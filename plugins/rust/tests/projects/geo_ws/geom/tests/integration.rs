use geom::{in_box, manhattan, Point};

#[test]
fn distance_is_symmetric() {
    let a = Point::new(2, 7);
    let b = Point::new(-3, 1);
    assert_eq!(manhattan(a, b), manhattan(b, a));
    assert_eq!(manhattan(a, b), 11);
}

#[test]
fn box_edges() {
    let lo = Point::new(0, 0);
    let hi = Point::new(3, 3);
    assert!(in_box(lo, lo, hi));
    assert!(!in_box(hi, lo, hi));
    assert!(!in_box(Point::new(-1, 0), lo, hi));
}
