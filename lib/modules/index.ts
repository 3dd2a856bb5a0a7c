export * from './module';
export * from './linear';
export * from './batchnorm';
export * from './activation';
export * from './conv2d';
export * from './pool';
export * from './sequential';
export * from './lstm';
