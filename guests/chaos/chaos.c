int guest_main(unsigned a, unsigned b){(void)a;(void)b;return 0;}
