/** A bounded FIFO queue. */
export class Queue {
  constructor(capacity) {
    this.capacity = capacity;
    this.items = [];
  }

  push(item) {
    if (this.items.length >= this.capacity) {
      return false;
    }
    this.items.push(item);
    return true;
  }

  pop() {
    return this.items.shift();
  }

  get size() {
    return this.items.length;
  }
}
