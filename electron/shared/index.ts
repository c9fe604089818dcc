export * from './model';
export * from './contract';
export * from './capture';
export * from './inventory';
export * from './scan';
export * from './snapshots';
export * from './drop';
export * from './wire';
