// bench/client-go/main.go: the peer of bench/tasks_crud.lua in client-go v1.24 (the version of
// ../shared/real-cluster): 200 ConfigMaps created, read, updated, listed once and deleted (801
// requests) with 1, 4 and 16 goroutines; prints the wall time and the process's CPU time per
// request (getrusage) for each. Built by bench/client_go.sh inside the real cluster's source
// tree, whose vendor directory holds client-go; no rate limit, as kubescript's default.
package main

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"sync"
	"syscall"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/clientcmd"
)

func cpu() time.Duration {
	var usage syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &usage)
	return time.Duration(usage.Utime.Nano() + usage.Stime.Nano())
}

// each calls fn(i) for i in [0, count) with at most `workers` calls in flight.
func each(count, workers int, fn func(int) error) {
	next := make(chan int)
	var group sync.WaitGroup
	for w := 0; w < workers; w++ {
		group.Add(1)
		go func() {
			defer group.Done()
			for i := range next {
				if err := fn(i); err != nil {
					fmt.Fprintln(os.Stderr, err)
					os.Exit(1)
				}
			}
		}()
	}
	for i := 0; i < count; i++ {
		next <- i
	}
	close(next)
	group.Wait()
}

func main() {
	if len(os.Args) < 3 {
		fmt.Fprintln(os.Stderr, "usage: client-go-bench KUBECONFIG CONTEXT [count] [namespace]")
		os.Exit(2)
	}
	count, namespace := 200, "default"
	if len(os.Args) > 3 {
		count, _ = strconv.Atoi(os.Args[3])
	}
	if len(os.Args) > 4 {
		namespace = os.Args[4]
	}
	rules := &clientcmd.ClientConfigLoadingRules{ExplicitPath: os.Args[1]}
	config, err := clientcmd.NewNonInteractiveDeferredLoadingClientConfig(rules, &clientcmd.ConfigOverrides{CurrentContext: os.Args[2]}).ClientConfig()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	config.QPS = -1 // no client-side rate limit
	cms := kubernetes.NewForConfigOrDie(config).CoreV1().ConfigMaps(namespace)
	ctx := context.Background()
	name := func(i int) string { return fmt.Sprintf("bench-go-%d", i+1) }
	for _, workers := range []int{1, 4, 16} {
		started, used := time.Now(), cpu()
		each(count, workers, func(i int) error {
			_, err := cms.Create(ctx, &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: name(i), Labels: map[string]string{"bench": "client-go"}},
				Data: map[string]string{"key": "v"}}, metav1.CreateOptions{})
			return err
		})
		objects := make([]*corev1.ConfigMap, count)
		each(count, workers, func(i int) (err error) {
			objects[i], err = cms.Get(ctx, name(i), metav1.GetOptions{})
			return err
		})
		each(count, workers, func(i int) error {
			objects[i].Data["key"] = "updated"
			_, err := cms.Update(ctx, objects[i], metav1.UpdateOptions{})
			return err
		})
		list, err := cms.List(ctx, metav1.ListOptions{LabelSelector: "bench=client-go"})
		if err != nil || len(list.Items) != count {
			fmt.Fprintln(os.Stderr, "list:", err)
			os.Exit(1)
		}
		each(count, workers, func(i int) error { return cms.Delete(ctx, name(i), metav1.DeleteOptions{}) })
		seconds, requests := time.Since(started).Seconds(), 4*count+1
		fmt.Printf("workers %2d   %6.3f s wall   %6.1f µs CPU per request   %5.0f requests/s\n",
			workers, seconds, float64((cpu()-used).Microseconds())/float64(requests), float64(requests)/seconds)
	}
}
