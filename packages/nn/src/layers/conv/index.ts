// The conv layers: each module registers its classes with registerLayer and is exported here.
export {};
