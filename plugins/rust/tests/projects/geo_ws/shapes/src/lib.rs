//! Rectangles built on geom's points.

use geom::Point;

/// An axis-aligned rectangle given by two opposite corners.
#[derive(Debug, Clone, Copy)]
pub struct Rect {
    pub a: Point,
    pub b: Point,
}

impl Rect {
    pub fn width(&self) -> i64 {
        (self.a.x - self.b.x).abs()
    }

    pub fn height(&self) -> i64 {
        (self.a.y - self.b.y).abs()
    }

    pub fn area(&self) -> i64 {
        self.width() * self.height()
    }

    pub fn perimeter(&self) -> i64 {
        2 * (self.width() + self.height())
    }

    pub fn is_square(&self) -> bool {
        self.width() == self.height() && self.width() > 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rect(x0: i64, y0: i64, x1: i64, y1: i64) -> Rect {
        Rect { a: Point::new(x0, y0), b: Point::new(x1, y1) }
    }

    #[test]
    fn area_and_perimeter() {
        let r = rect(0, 0, 3, -2);
        assert_eq!(r.area(), 6);
        assert_eq!(r.perimeter(), 10);
    }

    #[test]
    fn squares() {
        assert!(rect(1, 1, 3, 3).is_square());
        assert!(!rect(1, 1, 3, 4).is_square());
        assert!(!rect(1, 1, 1, 1).is_square());
    }
}
