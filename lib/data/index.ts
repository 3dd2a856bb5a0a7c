/** Dataset loaders (MNIST, CIFAR-10, Penn Treebank), checksums and batching. */
export * from './paths';
export * from './checksum';
export * from './files';
export * from './dataset';
export * from './mnist';
export * from './cifar10';
export * from './ptb';
