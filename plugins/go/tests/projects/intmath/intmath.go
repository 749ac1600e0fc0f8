// Package intmath has small integer helpers.
package intmath

import "errors"

// ErrDivideByZero is returned by Divide for a zero divisor.
var ErrDivideByZero = errors.New("divide by zero")

// Abs returns the absolute value of x.
func Abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}

// Clamp limits x to [lo, hi].
func Clamp(x, lo, hi int) int {
	if x < lo {
		return lo
	}
	if x > hi {
		return hi
	}
	return x
}

// Sum adds the numbers.
func Sum(xs ...int) int {
	total := 0
	for _, x := range xs {
		total += x
	}
	return total
}

// Divide returns a / b rounded towards zero.
func Divide(a, b int) (int, error) {
	if b == 0 {
		return 0, ErrDivideByZero
	}
	return a / b, nil
}

// GCD returns the greatest common divisor of a and b (non-negative).
func GCD(a, b int) int {
	a, b = Abs(a), Abs(b)
	for b != 0 {
		a, b = b, a%b
	}
	return a
}

// Mean returns the integer mean of xs, or an error for an empty list.
func Mean(xs []int) (int, error) {
	q, err := Divide(Sum(xs...), len(xs))
	if err != nil {
		return 0, err
	}
	return q, nil
}

// InRange reports whether lo <= x < hi.
func InRange(x, lo, hi int) bool {
	return x >= lo && x < hi
}
