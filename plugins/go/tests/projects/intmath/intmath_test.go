package intmath

import (
	"errors"
	"testing"
)

func TestAbs(t *testing.T) {
	t.Parallel()
	for _, x := range []int{-3, 0, 3} {
		if Abs(x) < 0 {
			t.Errorf("Abs(%d) = %d", x, Abs(x))
		}
	}
	if Abs(-7) != 7 {
		t.Errorf("Abs(-7) = %d", Abs(-7))
	}
}

func TestClamp(t *testing.T) {
	t.Parallel()
	if got := Clamp(5, 0, 3); got != 3 {
		t.Errorf("Clamp(5, 0, 3) = %d", got)
	}
	if got := Clamp(-1, 0, 3); got != 0 {
		t.Errorf("Clamp(-1, 0, 3) = %d", got)
	}
	if got := Clamp(2, 0, 3); got != 2 {
		t.Errorf("Clamp(2, 0, 3) = %d", got)
	}
}

func TestSum(t *testing.T) {
	if got := Sum(1, 2, 3); got != 6 {
		t.Errorf("Sum = %d", got)
	}
	if Sum() != 0 {
		t.Error("Sum() != 0")
	}
}

func TestDivide(t *testing.T) {
	if q, err := Divide(7, 2); err != nil || q != 3 {
		t.Errorf("Divide(7, 2) = %d, %v", q, err)
	}
	if _, err := Divide(1, 0); !errors.Is(err, ErrDivideByZero) {
		t.Errorf("Divide(1, 0) error = %v", err)
	}
}

func TestGCD(t *testing.T) {
	if got := GCD(12, -18); got != 6 {
		t.Errorf("GCD(12, -18) = %d", got)
	}
}

func TestMean(t *testing.T) {
	if m, err := Mean([]int{1, 2, 6}); err != nil || m != 3 {
		t.Errorf("Mean = %d, %v", m, err)
	}
	if _, err := Mean(nil); err == nil {
		t.Error("Mean(nil) gave no error")
	}
}
