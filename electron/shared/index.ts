export * from './model';
export * from './contract';
export * from './wire';
