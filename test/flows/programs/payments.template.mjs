// Payment code of the sample application: throws different errors from the same place.
/*__PADDING__*/
export function chargeCard(order, kind) {
  return authorize(order, kind);
}

function authorize(order, kind) {
  if (kind === 'range') throw new RangeError(`amount out of range for order ${order.id}`);
  throw new TypeError(`card declined for order ${order.id}`);
}
