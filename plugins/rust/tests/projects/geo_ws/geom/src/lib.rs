//! Points and integer geometry.

/// A point on the integer grid.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Point {
    pub x: i64,
    pub y: i64,
}

impl Point {
    pub fn new(x: i64, y: i64) -> Self {
        Point { x, y }
    }
}

/// Manhattan distance between two points.
///
/// ```
/// use geom::{manhattan, Point};
/// assert_eq!(manhattan(Point::new(0, 0), Point::new(3, -4)), 7);
/// ```
pub fn manhattan(a: Point, b: Point) -> i64 {
    (a.x - b.x).abs() + (a.y - b.y).abs()
}

/// Is `p` inside the half-open box `[lo, hi)`?
///
/// ```
/// use geom::{in_box, Point};
/// assert!(in_box(Point::new(1, 1), Point::new(0, 0), Point::new(2, 2)));
/// assert!(!in_box(Point::new(2, 1), Point::new(0, 0), Point::new(2, 2)));
/// ```
pub fn in_box(p: Point, lo: Point, hi: Point) -> bool {
    p.x >= lo.x && p.x < hi.x && p.y >= lo.y && p.y < hi.y
}

/// The quadrant (1..=4) of a point, or None on an axis.
pub fn quadrant(p: Point) -> Option<u8> {
    if p.x == 0 || p.y == 0 {
        return None;
    }
    Some(match (p.x > 0, p.y > 0) {
        (true, true) => 1,
        (false, true) => 2,
        (false, false) => 3,
        (true, false) => 4,
    })
}

/// Parse "x,y" into a point.
pub fn parse_point(s: &str) -> Result<Point, String> {
    let (x, y) = s.split_once(',').ok_or_else(|| format!("no comma in {s:?}"))?;
    let x = x.trim().parse::<i64>().map_err(|e| e.to_string())?;
    let y = y.trim().parse::<i64>().map_err(|e| e.to_string())?;
    Ok(Point::new(x, y))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quadrants() {
        assert_eq!(quadrant(Point::new(1, 1)), Some(1));
        assert_eq!(quadrant(Point::new(-1, 1)), Some(2));
        assert_eq!(quadrant(Point::new(-1, -1)), Some(3));
        assert_eq!(quadrant(Point::new(1, -1)), Some(4));
        assert_eq!(quadrant(Point::new(0, 5)), None);
    }

    #[test]
    fn parses_points() {
        assert_eq!(parse_point(" 3, -2"), Ok(Point::new(3, -2)));
        assert!(parse_point("3").is_err());
        assert!(parse_point("a,1").is_err());
    }
}
